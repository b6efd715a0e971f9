#include "runtime/logging.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ystpcs::runtime {

namespace {

// sd-daemon(3) priority prefixes: journald reads them off each line of stderr.
class JournalPrefixSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        int priority = 6;
        switch (msg.level) {
            case spdlog::level::trace:
            case spdlog::level::debug: priority = 7; break;
            case spdlog::level::info: priority = 6; break;
            case spdlog::level::warn: priority = 4; break;
            case spdlog::level::err: priority = 3; break;
            case spdlog::level::critical: priority = 2; break;
            default: break;
        }
        std::fprintf(stderr, "<%d>%.*s\n", priority, static_cast<int>(msg.payload.size()), msg.payload.data());
    }
    void flush_() override { std::fflush(stderr); }
};

}  // namespace

Result<void> set_log_level(const std::string& level) {
    const auto l = spdlog::level::from_str(level);
    if (l == spdlog::level::off && level != "off")
        return make_error(ErrorKind::invalid_argument,
                          "unknown log level '" + level + "' (trace, debug, info, warn, error, critical)");
    spdlog::set_level(l);
    return {};
}

Result<void> setup_logging(const std::string& name, const std::string& level) {
    if (std::getenv("JOURNAL_STREAM") != nullptr) {
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(name, std::make_shared<JournalPrefixSink>()));
    } else {
        auto logger = spdlog::stderr_color_st(name);
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
        spdlog::set_default_logger(logger);
    }
    spdlog::flush_on(spdlog::level::trace);
    return set_log_level(level);
}

}  // namespace ystpcs::runtime
