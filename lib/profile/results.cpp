#include "profile/results.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ystpcs::profile {

std::string bdf_row(const BdfPoint& p) {
    char line[512];
    std::snprintf(line, sizeof line, "%.3f,%.3f,%.3f,%.3f,%.1f,%ld,%llu,%.3f,%.6f,%.6f,%.4f,%.4f\n", p.test_time_s,
                  p.unix_time_s, p.voltage_v, p.current_a, p.power_w, p.cycle,
                  static_cast<unsigned long long>(p.step_count), p.step_time_s, p.charge_ah, p.discharge_ah,
                  p.charge_wh, p.discharge_wh);
    return line;
}

BdfWriter::BdfWriter(std::string csv_path) : path_(std::move(csv_path)) {}

BdfWriter::~BdfWriter() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> BdfWriter::open() {
    if (fd_ >= 0) return {};
    struct stat st {};
    const bool fresh = ::stat(path_.c_str(), &st) != 0 || st.st_size == 0;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return make_error(ErrorKind::io, "cannot open " + path_ + ": " + std::strerror(errno));
    if (fresh) {
        std::string header;
        for (const char* c : kBdfColumns) header += (header.empty() ? "" : ",") + std::string(c);
        header += '\n';
        if (::write(fd_, header.data(), header.size()) != static_cast<ssize_t>(header.size()))
            return make_error(ErrorKind::io, "cannot write " + path_ + ": " + std::strerror(errno));
    }
    return {};
}

Result<void> BdfWriter::append(const BdfPoint& p) {
    if (auto ok = open(); !ok) return ok;
    const std::string row = bdf_row(p);
    if (::write(fd_, row.data(), row.size()) != static_cast<ssize_t>(row.size()))
        return make_error(ErrorKind::io, "cannot write " + path_ + ": " + std::strerror(errno));
    ++rows_;
    return {};
}

void BdfWriter::sync() {
    if (fd_ >= 0) ::fdatasync(fd_);
}

}  // namespace ystpcs::profile
