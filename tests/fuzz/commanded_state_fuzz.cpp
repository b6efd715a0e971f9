// engine::CommandedStateStore::load() on arbitrary file contents. It reads only files, so
// each input is written to one file in a private directory (under $YSTPCS_FUZZ_TMPDIR, else
// /dev/shm when there is one: the store syncs what it writes). Checked beyond "no crash":
//   - a refused file is moved aside whole (same bytes) and nothing is known afterwards;
//   - an accepted file stays untouched, and every module entry reads as the format says,
//     the emergency-stop latch erring on the latched side;
//   - what was loaded, written back by set(), loads again to the same flags, without warnings.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.h"
#include "engine/commanded_state.h"

using namespace ystpcs::engine;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Never destroyed: the clean-up at exit runs after static destructors would have run.
const fs::path& directory() {
    static const fs::path* dir = [] {
        // run-one passes a directory it removes afterwards: a crash skips the clean-up below.
        const char* given = std::getenv("YSTPCS_FUZZ_TMPDIR");
        const char* env = std::getenv("TMPDIR");
        std::string base = given && *given ? given
                           : ::access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                             : (env && *env ? env : "/tmp");
        std::string tmpl = base + "/ystpcs-fuzz-commanded-XXXXXX";
        FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr, "cannot create a directory under %s", base.c_str());
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(directory(), ec);
        });
        return new fs::path(tmpl);
    }();
    return *dir;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::uint8_t* data, std::size_t size) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FUZZ_CHECK(fd >= 0, "cannot create %s", p.c_str());
    FUZZ_CHECK(::write(fd, data, size) == static_cast<ssize_t>(size), "cannot write %s", p.c_str());
    ::close(fd);
}

std::vector<std::string> entries() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(directory())) names.push_back(e.path().filename().string());
    return names;
}

std::optional<bool> tristate(const json& entry, const char* key) {
    const auto it = entry.find(key);
    if (it == entry.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

int shown(const std::optional<bool>& v) { return v ? int(*v) : -1; }  // -1: not known

// What the header of commanded_state.h says an entry means.
CommandedFlags expected_flags(const json& entry, std::int64_t version) {
    CommandedFlags f;
    f.start = tristate(entry, "start");
    f.self_start = tristate(entry, "self_start");
    const auto it = entry.find("emergency_stop");
    f.emergency_stop = it == entry.end() ? version >= 2 : !it->is_boolean() || it->get<bool>();
    return f;
}

void check_refused(const std::string& input) {
    const auto names = entries();
    FUZZ_CHECK(names.size() == 1 && names[0].rfind("commanded.json.damaged-", 0) == 0,
               "a refused file is not moved aside alone (%zu entries, first '%s')", names.size(),
               names.empty() ? "" : names[0].c_str());
    const fs::path aside = directory() / names[0];
    FUZZ_CHECK(read_bytes(aside) == input, "%s differs from the refused file", aside.c_str());
    fs::remove(aside);
}

void check_accepted(const std::string& input, const CommandedStateStore& store) {
    const auto names = entries();
    FUZZ_CHECK(names.size() == 1 && names[0] == "commanded.json", "load() changed the directory (%zu entries)",
               names.size());
    FUZZ_CHECK(read_bytes(store.path()) == input, "load() changed the file");
    const json doc = json::parse(input);  // the store parsed the same text the same way
    const auto version = doc.at("version").get<std::int64_t>();
    for (const auto& [key, entry] : doc.at("modules").items()) {
        if (!entry.is_object()) {
            FUZZ_CHECK(store.get(key) == CommandedFlags{}, "module \"%s\" is not an object, yet known", key.c_str());
            continue;
        }
        const CommandedFlags want = expected_flags(entry, version);
        const CommandedFlags got = store.get(key);
        FUZZ_CHECK(got == want, "module \"%s\": start %d self_start %d latch %d, want %d %d %d", key.c_str(),
                   shown(got.start), shown(got.self_start), got.emergency_stop, shown(want.start),
                   shown(want.self_start), want.emergency_stop);
    }
}

void check_write_back(CommandedStateStore& store, const std::string& input) {
    std::map<std::string, CommandedFlags> expected;
    const json doc = json::parse(input);
    for (const auto& [key, entry] : doc.at("modules").items())
        if (entry.is_object()) expected[key] = store.get(key);
    // set() writes only a change: flip the latch of one module to force the whole file out.
    const std::string probe = "fuzz/probe";
    CommandedFlags flipped = store.get(probe);
    flipped.emergency_stop = !flipped.emergency_stop;
    const auto written = store.set(probe, flipped);
    FUZZ_CHECK(written.ok(), "set() failed: %s", written.error().message.c_str());
    expected[probe] = flipped;

    CommandedStateStore again(store.path());
    const auto reloaded = again.load();
    FUZZ_CHECK(reloaded.ok(), "the written file does not load: %s", reloaded.error().message.c_str());
    FUZZ_CHECK(again.load_warnings().empty(), "the written file loads with warnings: %s",
               again.load_warnings().front().c_str());
    const json file = json::parse(read_bytes(store.path()));
    FUZZ_CHECK(file.at("modules").size() == expected.size(), "%zu modules written, %zu known",
               file.at("modules").size(), expected.size());
    for (const auto& [key, flags] : expected)
        FUZZ_CHECK(again.get(key) == flags, "module \"%s\" changed through set()/load()", key.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path path = directory() / "commanded.json";
    const std::string input(reinterpret_cast<const char*>(data), size);
    write_bytes(path, data, size);
    CommandedStateStore store(path.string());
    const auto loaded = store.load();
    if (!loaded) {
        FUZZ_CHECK(!fs::exists(path), "a refused file is still in place: %s", loaded.error().message.c_str());
        FUZZ_CHECK(store.get("can0/1") == CommandedFlags{}, "something is known after a refused file");
        check_refused(input);
        return 0;
    }
    check_accepted(input, store);
    check_write_back(store, input);
    fs::remove(path);
    return 0;
}
