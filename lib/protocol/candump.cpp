#include "protocol/candump.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace ystpcs::protocol {

namespace {

// SocketCAN's flag bits as candump prints them inside an identifier.
constexpr std::uint32_t kErrFlag = 0x20000000U;
constexpr std::uint32_t kErrMask = 0x1FFFFFFFU;

Error bad(std::string what) { return make_error(ErrorKind::invalid_argument, std::move(what)); }

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        const std::size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 16) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    out = v;
    return true;
}

bool parse_decimal_seconds(std::string_view s, double& out) {
    if (s.empty()) return false;
    std::size_t i = 0;
    bool neg = false;
    if (s[0] == '-') { neg = true; ++i; }
    double whole = 0;
    bool any = false;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, any = true) whole = whole * 10 + (s[i] - '0');
    double frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
        for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, any = true) {
            scale /= 10;
            frac += (s[i] - '0') * scale;
        }
    }
    if (!any || i != s.size()) return false;
    out = (neg ? -1 : 1) * (whole + frac);
    return true;
}

// "2023-11-27 10:00:00.123456" (candump -tA, local time).
bool parse_date_time(std::string_view s, double& out) {
    int y, mo, d, h, mi, sec;
    char frac[16] = {0};
    const std::string copy(s);
    const int n = std::sscanf(copy.c_str(), "%d-%d-%d %d:%d:%d.%15[0-9]", &y, &mo, &d, &h, &mi, &sec, frac);
    if (n < 6) return false;
    // Ranges first: y - 1900 would overflow for a year near INT_MIN.
    if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60)
        return false;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) return false;
    double f = 0;
    if (n == 7) parse_decimal_seconds(std::string("0.") + frac, f);
    out = static_cast<double>(t) + f;
    return true;
}

Result<CanFrame> parse_identifier(std::string_view id_text) {
    std::uint64_t id = 0;
    if (!parse_hex(id_text, id)) return bad("identifier '" + std::string(id_text) + "' is not hexadecimal");
    CanFrame f;
    if (id_text.size() == 3) {
        if (id > 0x7FF) return bad("standard identifier " + std::string(id_text) + " exceeds 0x7FF");
        f.extended = false;
        f.id = static_cast<std::uint32_t>(id);
    } else if (id_text.size() == 8) {
        if (id > (kErrFlag | kErrMask))
            return bad("identifier " + std::string(id_text) + " has RTR/extended flag bits set");
        f.error = (id & kErrFlag) != 0;  // candump prints error frames with CAN_ERR_FLAG in the id
        f.id = static_cast<std::uint32_t>(id & kErrMask);
    } else {
        return bad("identifier '" + std::string(id_text) + "' must have 3 (standard) or 8 (extended) hex digits");
    }
    return f;
}

// "1811B4FA#0FA0251CFF380352", "123#R", "123#R2".
Result<CanFrame> parse_compact(std::string_view text) {
    const auto hash = text.find('#');
    auto f = parse_identifier(text.substr(0, hash));
    if (!f) return f.error();
    CanFrame frame = f.value();
    std::string_view data = text.substr(hash + 1);
    if (!data.empty() && data[0] == '#') return bad("CAN FD frames are not part of the protocol");
    if (!data.empty() && (data[0] == 'R' || data[0] == 'r')) {
        frame.remote = true;
        frame.dlc = 0;
        if (data.size() == 2 && data[1] >= '0' && data[1] <= '8') frame.dlc = static_cast<std::uint8_t>(data[1] - '0');
        else if (data.size() != 1) return bad("malformed remote frame '" + std::string(text) + "'");
        return frame;
    }
    // candump -L may append "_<len8_dlc>" for DLCs above 8 on classic CAN; we have no use for it.
    if (const auto us = data.find('_'); us != std::string_view::npos) data = data.substr(0, us);
    std::string hex;
    for (char c : data)
        if (c != '.') hex += c;  // cansend accepts "11.22.33"
    if (hex.size() % 2 != 0) return bad("data '" + std::string(data) + "' has an odd number of hex digits");
    if (hex.size() > 16) return bad("data '" + std::string(data) + "' is longer than 8 bytes");
    frame.dlc = static_cast<std::uint8_t>(hex.size() / 2);
    for (std::size_t i = 0; i < frame.dlc; ++i) {
        std::uint64_t b = 0;
        if (!parse_hex(std::string_view(hex).substr(i * 2, 2), b)) return bad("data '" + std::string(data) + "' is not hexadecimal");
        frame.data[i] = static_cast<std::uint8_t>(b);
    }
    return frame;
}

}  // namespace

Result<CapturedFrame> parse_candump_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    CapturedFrame out;
    std::string_view rest = line;
    // Optional "(timestamp)", possibly containing a space (-tA).
    std::size_t i = 0;
    while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
    if (i < rest.size() && rest[i] == '(') {
        const auto close = rest.find(')', i);
        if (close == std::string_view::npos) return bad("unterminated timestamp");
        const std::string_view ts = rest.substr(i + 1, close - i - 1);
        double t = 0;
        if (parse_decimal_seconds(ts, t) || parse_date_time(ts, t)) out.timestamp_s = t;
        else return bad("timestamp '" + std::string(ts) + "' is not understood");
        rest = rest.substr(close + 1);
    }
    auto tokens = split_ws(rest);
    if (tokens.empty()) return bad("empty line");
    if (tokens.size() < 2)
        return bad("not a candump line: expected '(time) iface id#data' or 'iface id [dlc] bytes'");
    out.iface = std::string(tokens[0]);
    std::size_t k = 1;
    // candump -L: "<id>#<data>"
    if (tokens[k].find('#') != std::string_view::npos) {
        if (tokens.size() != 2) return bad("unexpected text after the frame");
        auto f = parse_compact(tokens[k]);
        if (!f) return f.error();
        out.frame = f.value();
        return out;
    }
    // candump -x prints "TX - -" / "RX B E" between interface and identifier.
    // (flags: "-" or "B" for bit-rate switch, "-" or "E" for error state indicator).
    if (k < tokens.size() && (tokens[k] == "TX" || tokens[k] == "RX")) {
        ++k;
        for (int flag = 0; flag < 2 && k < tokens.size(); ++flag, ++k)
            if (tokens[k] != "-" && tokens[k] != "B" && tokens[k] != "E")
                return bad("unexpected candump -x flags '" + std::string(tokens[k]) + "'");
    }
    if (k + 1 >= tokens.size())
        return bad("not a candump line: expected '(time) iface id#data' or 'iface id [dlc] bytes'");
    auto f = parse_identifier(tokens[k++]);
    if (!f) return bad("not a candump line: " + f.error().message);
    CanFrame frame = f.value();
    const std::string_view dlc_tok = tokens[k++];
    if (dlc_tok.size() < 3 || dlc_tok.front() != '[' || dlc_tok.back() != ']')
        return bad("expected '[<dlc>]' after the identifier, got '" + std::string(dlc_tok) + "'");
    double dlc = 0;
    if (!parse_decimal_seconds(dlc_tok.substr(1, dlc_tok.size() - 2), dlc) || dlc != std::floor(dlc) || dlc < 0)
        return bad("data length '" + std::string(dlc_tok) + "' is not a number");
    // Quoted as written: a huge DLC does not fit an int.
    if (dlc > 8) return bad("data length " + std::string(dlc_tok) + " exceeds 8 (CAN FD is not part of the protocol)");
    frame.dlc = static_cast<std::uint8_t>(dlc);
    if (k < tokens.size() && tokens[k] == "remote") {
        frame.remote = true;
        return {CapturedFrame{out.timestamp_s, out.iface, frame}};
    }
    for (std::size_t b = 0; b < frame.dlc; ++b, ++k) {
        std::uint64_t v = 0;
        if (k >= tokens.size()) return bad("frame has fewer data bytes than its length [" + std::to_string(frame.dlc) + "]");
        if (tokens[k].size() != 2 || !parse_hex(tokens[k], v))
            return bad("data byte '" + std::string(tokens[k]) + "' is not two hex digits");
        frame.data[b] = static_cast<std::uint8_t>(v);
    }
    // Whatever follows (-a ASCII column, ERRORFRAME annotations) is candump's commentary.
    if (k < tokens.size() && !(tokens[k].front() == '\'' || tokens[k] == "ERRORFRAME"))
        return bad("unexpected text after the data bytes: '" + std::string(tokens[k]) + "'");
    out.frame = frame;
    return out;
}

std::string format_can_id(const CanFrame& frame) {
    char buf[16];
    if (frame.error) std::snprintf(buf, sizeof buf, "%08X", (frame.id & kErrMask) | kErrFlag);
    else if (frame.extended) std::snprintf(buf, sizeof buf, "%08X", frame.id & kErrMask);
    else std::snprintf(buf, sizeof buf, "%03X", frame.id & 0x7FFU);
    return buf;
}

std::string format_candump_line(double timestamp_s, std::string_view iface, const CanFrame& frame) {
    if (timestamp_s < 0 || !std::isfinite(timestamp_s)) timestamp_s = 0;
    auto secs = static_cast<long long>(timestamp_s);
    auto usecs = static_cast<long long>(std::llround((timestamp_s - static_cast<double>(secs)) * 1e6));
    if (usecs >= 1000000) { ++secs; usecs -= 1000000; }
    char head[48];
    std::snprintf(head, sizeof head, "(%010lld.%06lld) ", secs, usecs);
    std::string out = head;
    out += iface;
    out += ' ';
    out += format_can_id(frame);
    out += '#';
    if (frame.remote) {
        out += 'R';
        if (frame.dlc > 0) out += static_cast<char>('0' + (frame.dlc > 8 ? 8 : frame.dlc));
        return out;
    }
    char byte[4];
    for (std::size_t i = 0; i < frame.dlc && i < kPayloadBytes; ++i) {
        std::snprintf(byte, sizeof byte, "%02X", frame.data[i]);
        out += byte;
    }
    return out;
}

}  // namespace ystpcs::protocol
