// CommandedStateStore against real files: the round trip including the emergency-stop latch,
// version 1 files, damaged files kept aside, per-module problems as warnings, and writes
// that fail (full disk, blocked temporary, vanished directory) without destroying the file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/commanded_state.h"

using namespace ystpcs;
using namespace ystpcs::engine;
namespace fs = std::filesystem;

namespace {

// A fresh directory under ${TMPDIR:-/tmp}, removed with everything in it.
struct TempDir {
    fs::path path;
    TempDir() {
        const char* env = std::getenv("TMPDIR");
        std::string tmpl = std::string(env != nullptr && *env != '\0' ? env : "/tmp") + "/ystpcs-commanded-XXXXXX";
        REQUIRE_MESSAGE(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp: " << std::strerror(errno));
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name = "commanded.json") const { return (path / name).string(); }
    // Names of the directory's entries, sorted.
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The warning mentioning `module`, or "" when there is none.
std::string warning_about(const CommandedStateStore& store, const std::string& module) {
    for (const auto& w : store.load_warnings())
        if (contains(w, "\"" + module + "\"")) return w;
    return {};
}

// The file must be complete JSON of format 2 describing exactly `expected`.
void check_file_holds(const std::string& path, const std::map<std::string, CommandedFlags>& expected) {
    const auto j = nlohmann::json::parse(read_bytes(path));  // throws (fails the test) on half a file
    CHECK(j.at("version") == 2);
    REQUIRE(j.at("modules").size() == expected.size());
    for (const auto& [key, f] : expected) {
        const auto& m = j.at("modules").at(key);
        CHECK(m.at("start") == (f.start ? nlohmann::json(*f.start) : nlohmann::json(nullptr)));
        CHECK(m.at("self_start") == (f.self_start ? nlohmann::json(*f.self_start) : nlohmann::json(nullptr)));
        CHECK(m.at("emergency_stop") == f.emergency_stop);
    }
}

const std::regex kDamagedName{R"(commanded\.json\.damaged-\d{8}T\d{6}Z)"};

// The names of the copies kept aside.
std::vector<std::string> damaged_copies(const TempDir& dir) {
    std::vector<std::string> names;
    for (const auto& n : dir.entries())
        if (n.starts_with("commanded.json.damaged-")) names.push_back(n);
    return names;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
    return text;
}

// Loads `bytes` and expects the whole file to be refused: kept aside byte for byte under the
// documented name, an error naming the file, the problem and the copy, nothing known after.
void check_refused(const std::string& bytes, const std::string& problem) {
    TempDir dir;
    const std::string path = dir.file();
    write_bytes(path, bytes);
    CommandedStateStore store(path);
    const std::string before = utc_now();
    const auto r = store.load();
    const std::string after = utc_now();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::io);
    const auto copies = damaged_copies(dir);
    REQUIRE(copies.size() == 1);
    CHECK(std::regex_match(copies[0], kDamagedName));
    const std::string stamp = copies[0].substr(std::string("commanded.json.damaged-").size());
    CHECK(stamp >= before);  // UTC, now: the fixed-width format sorts like time
    CHECK(stamp <= after);
    CHECK(read_bytes(dir.file(copies[0])) == bytes);
    CHECK_FALSE(fs::exists(path));
    CHECK(contains(r.error().message, path));
    CHECK(contains(r.error().message, problem));
    CHECK(contains(r.error().message, "kept as " + dir.file(copies[0])));
    CHECK(store.get("can0/7") == CommandedFlags{});
    CHECK(store.load_warnings().empty());

    // The next change starts a new, complete file.
    REQUIRE(store.set("can0/7", {false, false, false}).ok());
    check_file_holds(path, {{"can0/7", {false, false, false}}});
}

}  // namespace

TEST_CASE("round trip of every module's flags, including the emergency-stop latch") {
    TempDir dir;
    const std::string path = dir.file();
    const std::map<std::string, CommandedFlags> written = {
        {"can0/7", {true, false, false}},
        {"can0/8", {false, true, true}},  // latched
        {"can1/250", {std::nullopt, std::nullopt, true}},
    };
    {
        CommandedStateStore store(path);
        REQUIRE(store.load().ok());
        for (const auto& [key, f] : written) REQUIRE(store.set(key, f).ok());
        CHECK_FALSE(store.last_write_error().has_value());
        CHECK(store.write_failures() == 0);
    }
    check_file_holds(path, written);
    CommandedStateStore again(path);  // a restarted daemon
    REQUIRE(again.load().ok());
    CHECK(again.load_warnings().empty());
    for (const auto& [key, f] : written) CHECK(again.get(key) == f);
    CHECK(again.get("can0/9") == CommandedFlags{});
    CHECK(dir.entries() == std::vector<std::string>{"commanded.json"});  // no temporary left behind
}

TEST_CASE("the file is complete JSON after every successful set, and the latch clears") {
    TempDir dir;
    const std::string path = dir.file();
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    std::map<std::string, CommandedFlags> expected;
    const std::vector<std::pair<std::string, CommandedFlags>> steps = {
        {"can0/1", {true, false, false}}, {"can0/2", {false, false, false}}, {"can0/1", {false, false, true}},
        {"can0/1", {false, false, false}},  // a successful clear-faults releases the latch
        {"can0/2", {true, true, false}},
    };
    for (const auto& step : steps) {
        const std::string& key = step.first;  // not a structured binding: CAPTURE takes it in a lambda
        const CommandedFlags& f = step.second;
        CAPTURE(key);
        REQUIRE(store.set(key, f).ok());
        expected[key] = f;
        check_file_holds(path, expected);
    }
    CommandedStateStore again(path);
    REQUIRE(again.load().ok());
    CHECK(again.get("can0/1").emergency_stop == false);
}

TEST_CASE("unchanged flags are not written again") {
    TempDir dir;
    const std::string path = dir.file();
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    REQUIRE(store.set("can0/7", {true, false, false}).ok());
    write_bytes(path, "sentinel");  // a rewrite would replace it
    REQUIRE(store.set("can0/7", {true, false, false}).ok());
    CHECK(read_bytes(path) == "sentinel");
    REQUIRE(store.set("can0/7", {true, false, true}).ok());  // the latch alone is a change
    check_file_holds(path, {{"can0/7", {true, false, true}}});
}

TEST_CASE("a version 1 file loads, with no emergency stop latched") {
    TempDir dir;
    const std::string path = dir.file();
    write_bytes(path, R"({"version": 1, "modules": {
        "can0/7": {"start": true, "self_start": false},
        "can0/8": {"start": null, "self_start": true}}})");
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    CHECK(store.load_warnings().empty());
    CHECK(store.get("can0/7") == CommandedFlags{true, false, false});
    CHECK(store.get("can0/8") == CommandedFlags{std::nullopt, true, false});
    CHECK(damaged_copies(dir).empty());
}

TEST_CASE("a missing file is a fresh install; an empty path persists nothing") {
    TempDir dir;
    CommandedStateStore fresh(dir.file());
    REQUIRE(fresh.load().ok());
    CHECK(fresh.load_warnings().empty());
    CHECK(dir.entries().empty());  // loading creates nothing

    CommandedStateStore memory_only("");
    REQUIRE(memory_only.load().ok());
    REQUIRE(memory_only.set("sim/1", {true, true, true}).ok());
    CHECK(memory_only.get("sim/1") == CommandedFlags{true, true, true});
    CHECK_FALSE(memory_only.last_write_error().has_value());
}

TEST_CASE("damaged JSON is kept aside, byte for byte, and nothing is known") {
    check_refused(R"({"version": 2, "modules": {"can0/7": {"start": tru)", "not JSON");
}

TEST_CASE("a number JSON cannot hold is damage too, not an exception out of load() (fuzzing)") {
    check_refused(R"({"version": 2, "modules": {"can0/7": {"start": false, "self_start": false,
                   "emergency_stop": 1e400}}})",
                  "not JSON");
}

TEST_CASE("an empty file (a write that failed on a full disk) is kept aside") {
    check_refused("", "empty");
}

TEST_CASE("a wrong top-level structure is refused") {
    SUBCASE("not an object") { check_refused(R"([{"version": 2}])", "not a JSON object"); }
    SUBCASE("no version") { check_refused(R"({"modules": {}})", "no \"version\""); }
    SUBCASE("version not a number") { check_refused(R"({"version": "2", "modules": {}})", "\"version\" is not"); }
    SUBCASE("version 0") { check_refused(R"({"version": 0, "modules": {}})", "version 0"); }
    SUBCASE("no modules") { check_refused(R"({"version": 2})", "no \"modules\" object"); }
    SUBCASE("modules not an object") { check_refused(R"({"version": 2, "modules": []})", "no \"modules\" object"); }
}

TEST_CASE("a file of a future format version is refused rather than guessed") {
    check_refused(R"({"version": 3, "modules": {"can0/7": {"start": true, "self_start": true,
                   "emergency_stop": false}}})",
                  "format version 3");
}

TEST_CASE("a second damaged file does not overwrite the first copy") {
    TempDir dir;
    const std::string path = dir.file();
    write_bytes(path, "first");
    CommandedStateStore store(path);
    REQUIRE_FALSE(store.load().ok());
    write_bytes(path, "second");
    REQUIRE_FALSE(store.load().ok());
    const auto copies = damaged_copies(dir);
    REQUIRE(copies.size() == 2);
    std::vector<std::string> contents;
    for (const auto& c : copies) contents.push_back(read_bytes(dir.file(c)));
    std::sort(contents.begin(), contents.end());
    CHECK(contents == std::vector<std::string>{"first", "second"});
}

TEST_CASE("problems inside one module's entry are warnings; the other modules are kept") {
    TempDir dir;
    const std::string path = dir.file();
    const std::string bytes = R"({"version": 2, "comment": "hand edited", "modules": {
        "can0/7": {"start": true, "self_start": false, "emergency_stop": false},
        "can0/8": 5,
        "can0/9": {"start": "yes", "self_start": true, "emergency_stop": false, "colour": "red"},
        "can0/10": {"start": true, "self_start": null, "emergency_stop": "no"},
        "can0/11": {"start": false, "self_start": false}}})";
    write_bytes(path, bytes);
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    CHECK(read_bytes(path) == bytes);  // not discarded
    CHECK(damaged_copies(dir).empty());

    CHECK(store.get("can0/7") == CommandedFlags{true, false, false});
    CHECK(store.get("can0/8") == CommandedFlags{});                         // nothing known
    CHECK(store.get("can0/9") == CommandedFlags{std::nullopt, true, false});  // only "start" lost
    // A latch that cannot be read, or is missing from a version 2 entry, stays latched:
    // releasing an emergency stop by mistake could energise a module.
    CHECK(store.get("can0/10") == CommandedFlags{true, std::nullopt, true});
    CHECK(store.get("can0/11") == CommandedFlags{false, false, true});

    const auto& w = store.load_warnings();
    CHECK(w.size() == 6);
    for (const auto& line : w) CHECK(contains(line, path));
    CHECK(contains(warning_about(store, "can0/8"), "not an object"));
    int can0_9 = 0;
    for (const auto& line : w) {
        if (!contains(line, "\"can0/9\"")) continue;
        ++can0_9;
        CHECK((contains(line, "\"start\" is string") || contains(line, "unknown key \"colour\"")));
    }
    CHECK(can0_9 == 2);
    CHECK(contains(warning_about(store, "can0/10"), "emergency_stop"));
    CHECK(contains(warning_about(store, "can0/11"), "no \"emergency_stop\""));
    CHECK(warning_about(store, "can0/7").empty());
    int top_level = 0;
    for (const auto& line : w) top_level += contains(line, "unknown top-level key \"comment\"") ? 1 : 0;
    CHECK(top_level == 1);

    // A clean load forgets the warnings of the previous one.
    write_bytes(path, R"({"version": 2, "modules": {}})");
    REQUIRE(store.load().ok());
    CHECK(store.load_warnings().empty());
}

TEST_CASE("a write that cannot create its temporary leaves the file intact and is reported") {
    TempDir dir;
    const std::string path = dir.file();
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    REQUIRE(store.set("can0/7", {true, false, false}).ok());
    const std::string previous = read_bytes(path);

    fs::create_directory(path + ".tmp");  // where the temporary would go; root cannot write there either
    const auto r = store.set("can0/7", {false, false, true});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::io);
    CHECK(contains(r.error().message, path));
    CHECK(contains(r.error().message, std::strerror(EISDIR)));
    CHECK(read_bytes(path) == previous);
    REQUIRE(store.last_write_error().has_value());
    CHECK(store.last_write_error()->message == r.error().message);
    CHECK(store.write_failures() == 1);
    CHECK(store.get("can0/7") == CommandedFlags{false, false, true});  // memory keeps the new value
    CHECK(fs::is_directory(path + ".tmp"));                              // not ours: left alone

    // Setting the same value again retries: the file lags behind memory.
    const auto again = store.set("can0/7", {false, false, true});
    CHECK_FALSE(again.ok());
    CHECK(store.write_failures() == 2);

    fs::remove(path + ".tmp");
    REQUIRE(store.set("can0/7", {false, false, true}).ok());
    CHECK_FALSE(store.last_write_error().has_value());
    CHECK(store.write_failures() == 2);
    check_file_holds(path, {{"can0/7", {false, false, true}}});
}

TEST_CASE("a full disk leaves the file intact and removes the temporary") {
    // The temporary is a symbolic link to /dev/full, whose writes fail with ENOSPC: the real
    // write path meets a real full-disk error, possibly only at fsync.
    if (!fs::is_character_file("/dev/full")) {
        MESSAGE("no /dev/full here; skipped");
        return;
    }
    TempDir dir;
    const std::string path = dir.file();
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    REQUIRE(store.set("can0/7", {true, true, false}).ok());
    const std::string previous = read_bytes(path);

    fs::create_symlink("/dev/full", path + ".tmp");
    const auto r = store.set("can0/8", {true, false, false});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::io);
    CHECK(contains(r.error().message, path));
    CHECK(contains(r.error().message, std::strerror(ENOSPC)));
    CHECK(fs::is_regular_file(fs::symlink_status(path)));  // not replaced by the temporary
    CHECK(read_bytes(path) == previous);
    CHECK_FALSE(fs::exists(fs::symlink_status(path + ".tmp")));  // the temporary is removed
    CHECK(store.last_write_error().has_value());
    CHECK(store.write_failures() == 1);

    // The next successful write persists what memory kept.
    REQUIRE(store.set("can0/9", {false, false, false}).ok());
    CHECK_FALSE(store.last_write_error().has_value());
    check_file_holds(path, {{"can0/7", {true, true, false}}, {"can0/8", {true, false, false}},
                            {"can0/9", {false, false, false}}});
}

TEST_CASE("a vanished state directory is an error; the next write after it is back has everything") {
    TempDir dir;
    const fs::path sub = dir.path / "state";
    fs::create_directory(sub);
    const std::string path = (sub / "commanded.json").string();
    CommandedStateStore store(path);
    REQUIRE(store.load().ok());
    REQUIRE(store.set("can0/7", {true, false, false}).ok());

    fs::remove_all(sub);
    const auto r = store.set("can0/8", {false, false, true});
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message, path));
    CHECK(contains(r.error().message, std::strerror(ENOENT)));
    CHECK(store.last_write_error().has_value());

    fs::create_directory(sub);
    REQUIRE(store.set("can0/9", {true, true, false}).ok());
    CHECK_FALSE(store.last_write_error().has_value());
    check_file_holds(path, {{"can0/7", {true, false, false}}, {"can0/8", {false, false, true}},
                            {"can0/9", {true, true, false}}});
}

TEST_CASE("a file that cannot be replaced (a directory in its place) keeps no temporary") {
    TempDir dir;
    const std::string path = dir.file();
    fs::create_directories(fs::path(path) / "occupied");
    CommandedStateStore store(path);
    const auto r = store.set("can0/7", {true, false, false});
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message, path));
    CHECK_FALSE(fs::exists(path + ".tmp"));
    CHECK(fs::is_directory(fs::path(path) / "occupied"));
}
