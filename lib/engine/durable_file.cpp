#include "engine/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace ystpcs::engine {

namespace {
std::string errno_text(int err) { return std::strerror(err); }
}  // namespace

Result<std::optional<std::string>> read_whole_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return make_error(ErrorKind::io, "cannot read " + path + ": " + errno_text(errno));
    }
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return make_error(ErrorKind::io, "cannot read " + path + ": " + errno_text(err));
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return std::optional<std::string>{std::move(text)};
}

// Replaces `path` with `text` so that after a crash or power loss the file holds either the
// old or the new content, complete: write a temporary in the same directory (rename is only
// atomic within one file system), fsync it, rename it over the file, fsync the directory so
// that the rename itself is on disk. The temporary has a fixed name: one daemon writes the
// file, and a temporary left by a crash is simply overwritten instead of piling up.
Result<void> replace_durably(const std::string& path, const std::string& text, bool sync) {
    const std::string tmp = path + ".tmp";
    const auto failed = [&](const std::string& step, int err) {
        return make_error(ErrorKind::io, "cannot write " + path + " (" + step + ": " + errno_text(err) +
                                             "); the previous file is unchanged");
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failed("creating " + tmp, errno);  // nothing of ours to remove
    const auto abandon = [&](const std::string& step, int err, bool close_fd) {
        if (close_fd) ::close(fd);
        ::unlink(tmp.c_str());
        return failed(step, err);
    };
    std::string_view rest = text;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return abandon("writing " + tmp, n < 0 ? errno : EIO, true);
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    // A full disk or an I/O error may only show here (delayed allocation, write-back).
    if (sync && ::fsync(fd) != 0) return abandon("syncing " + tmp, errno, true);
    if (::close(fd) != 0) return abandon("closing " + tmp, errno, false);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon("renaming " + tmp, errno, false);
    if (!sync) return {};

    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return make_error(ErrorKind::io, "wrote " + path + " but cannot open its directory to sync it: " +
                                             errno_text(errno) + "; the change may not survive a power loss");
    const int sync_result = ::fsync(dfd);
    const int sync_errno = errno;
    ::close(dfd);
    if (sync_result != 0)
        return make_error(ErrorKind::io, "wrote " + path + " but cannot sync " + dir + ": " + errno_text(sync_errno) +
                                             "; the change may not survive a power loss");
    return {};
}

}  // namespace ystpcs::engine
