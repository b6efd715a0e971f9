// The value history and event journal of each module (engine/value_history.h,
// engine/module_recorder.h), in fake time: rows per heartbeat round, 1 s averages, bounded
// rings, NaN (never zero) while a link is lost, and the events a console lists.
#include <doctest/doctest.h>

#include <cmath>

#include "bench.h"
#include "engine/module_recorder.h"

using namespace ystpcs;
using namespace ystpcs::engine;
using namespace ystpcs::engine::testing;

namespace {

runtime::WallTime at_us(std::int64_t us) { return runtime::WallTime(std::chrono::microseconds(us)); }

HistoryRow row_of(float v) {
    HistoryRow r;
    r.fill(v);
    return r;
}

}  // namespace

TEST_CASE("ValueHistory: fine rows, 1 s averages where they no longer reach, bounded rings") {
    ValueHistory h(HistoryOptions{.fine_rows = 10, .coarse_period = 1s, .coarse_rows = 4});
    // 0.0 s … 5.8 s every 200 ms; value = the second it falls in (0, 0, 0, 0, 0, 1, …).
    for (int i = 0; i < 30; ++i) h.add(at_us(i * 200'000), row_of(static_cast<float>(i / 5)));
    CHECK(h.fine_size() == 10);
    CHECK(h.coarse_size() == 4);  // buckets 1..4 (0 pushed out); bucket 5 still open
    const std::size_t sig[] = {0, 3};
    const auto s = h.read(0, 10'000'000, sig);
    // Fine rows reach back to 4.0 s: averages of seconds 1, 2, 3 (second 4 overlaps the fine
    // rows and is left out), then the 10 fine rows.
    REQUIRE(s.times_us.size() == 3 + 10);
    CHECK(s.times_us[0] == 1'000'000);
    CHECK(s.columns[0][0] == doctest::Approx(1.0));
    CHECK(s.times_us[1] == 2'000'000);
    CHECK(s.times_us[2] == 3'000'000);
    CHECK(s.columns[1][2] == doctest::Approx(3.0));
    CHECK(s.times_us[3] == 4'000'000);
    CHECK(s.columns[1].back() == doctest::Approx(5.0));
    // A time range selects rows.
    const auto part = h.read(4'500'000, 5'000'000, sig);
    REQUIRE(part.times_us.size() == 3);
    CHECK(part.times_us.front() == 4'600'000);
    // A row older than the last is dropped (clock set back).
    h.add(at_us(100), row_of(99));
    CHECK(h.read(0, 10'000'000, sig).columns[0].back() == doctest::Approx(5.0));
    CHECK(h.memory_bytes() == (10 + 4) * (8 + sizeof(HistoryRow)));
}

TEST_CASE("ValueHistory: memory follows the rows recorded, up to the bound, in order across growth and wrap") {
    ValueHistory h(HistoryOptions{.fine_rows = 300, .coarse_period = 1s, .coarse_rows = 100});
    const std::size_t per_row = sizeof(std::int64_t) + sizeof(HistoryRow);
    CHECK(h.memory_bytes() == 0);  // nothing recorded, nothing held
    h.add(at_us(0), row_of(0));
    CHECK(h.memory_bytes() == 64 * per_row);  // the first room: 64 fine rows, no coarse yet
    std::vector<std::size_t> sig{0};
    // 200 s of 200 ms rows: the fine ring fills (300) and wraps; 199 closed 1 s buckets, 100 kept.
    for (int i = 1; i < 1000; ++i) h.add(at_us(i * 200'000), row_of(static_cast<float>(i)));
    CHECK(h.fine_size() == 300);
    CHECK(h.coarse_size() == 100);
    CHECK(h.memory_bytes() == (300 + 100) * per_row);  // never past the bound
    const auto s = h.read(0, 1'000'000'000, sig);
    REQUIRE(!s.times_us.empty());
    for (std::size_t i = 1; i < s.times_us.size(); ++i) REQUIRE(s.times_us[i] > s.times_us[i - 1]);
    CHECK(s.columns[0].back() == doctest::Approx(999.0));
    CHECK(s.times_us.back() == 999 * 200'000);
    // The oldest fine row is the 300th from the end; before it, the averages of whole seconds.
    const auto fine = h.read(700 * 200'000, 1'000'000'000, sig);
    CHECK(fine.times_us.size() == 300);
    CHECK(fine.columns[0].front() == doctest::Approx(700.0));
}

TEST_CASE("ValueHistory: NaN is left out of an average, and a bucket of only NaN is NaN") {
    ValueHistory h(HistoryOptions{.fine_rows = 2, .coarse_period = 1s, .coarse_rows = 4});
    const float nan = std::nanf("");
    h.add(at_us(0), row_of(2));
    h.add(at_us(200'000), row_of(nan));
    h.add(at_us(400'000), row_of(4));
    h.add(at_us(1'000'000), row_of(nan));
    h.add(at_us(2'000'000), row_of(1));
    h.add(at_us(3'000'000), row_of(1));
    h.add(at_us(4'000'000), row_of(1));
    const std::size_t sig[] = {0};
    const auto s = h.read(0, 5'000'000, sig);
    REQUIRE(s.times_us.size() >= 2);
    CHECK(s.columns[0][0] == doctest::Approx(3.0));
    CHECK(std::isnan(s.columns[0][1]));
}

TEST_CASE("ModuleRecorder: a row per heartbeat round with the live values; NaN while the link is lost; events") {
    Bench b({1});
    ModuleRecorder rec(*b.rack);
    std::vector<ModuleEvent> heard;
    rec.set_listener([&](Module&, const ModuleEvent& e) { heard.push_back(e); });
    b.run(3s);
    Module& m = b.module(1);
    const auto* h = rec.history(m);
    REQUIRE(h != nullptr);
    CHECK(h->fine_size() >= 14);  // 200 ms rounds for 3 s, the first ones before discovery
    const std::size_t volts[] = {*history_signal("DcVoltage")};
    auto s = h->read(0, INT64_MAX, volts);
    REQUIRE(!s.times_us.empty());
    const double measured = m.values().at(signal_ref(pf::dc_output, "voltage_v")).value;
    CHECK(s.columns[0].back() == doctest::Approx(measured).epsilon(0.001));
    // Periods judged from the rows' own times: one per 200 ms round.
    CHECK(s.times_us.back() - s.times_us[s.times_us.size() - 2] == 200'000);

    // The module goes quiet: link lost → NaN, not zero, and an event; then restored.
    b.pcs(1).go_silent(2s, b.loop.now());
    b.run(1500ms);
    CHECK_FALSE(m.connected());
    s = h->read(0, INT64_MAX, volts);
    CHECK(std::isnan(s.columns[0].back()));
    b.run(2s);
    CHECK(m.connected());
    bool lost = false, restored = false;
    for (const auto& e : rec.journal(m)->since(0)) {
        lost |= e.kind == "link-lost";
        restored |= e.kind == "link-restored";
    }
    CHECK(lost);
    CHECK(restored);

    // A fault: its code, text and action; then a command recorded by a client.
    b.pcs(1).inject_fault(fault_code::over_temperature, b.loop.now());
    b.run(500ms);
    const auto events = rec.journal(m)->since(0);
    bool fault = false;
    for (const auto& e : events) fault |= e.kind == "fault" && e.text.find("0x0005 over-temperature") == 0 &&
                                          e.text.find("check fan") != std::string::npos;
    CHECK(fault);
    // Discovery's first "no fault" is no event; only a fault that ends is.
    std::size_t cleared = 0;
    for (const auto& e : events) cleared += e.kind == "fault-cleared";
    CHECK(cleared == 0);
    b.pcs(1).inject_fault(0, b.loop.now());  // the fault goes away (pcs-sim: "fault 0")
    b.run(500ms);
    const auto after = rec.journal(m)->since(events.back().sequence);
    REQUIRE(!after.empty());
    bool cleared_event = false;
    for (const auto& e : after) cleared_event |= e.kind == "fault-cleared" && e.text.find("0x0005") == 0;
    CHECK(cleared_event);
    const auto before_command = rec.journal(m)->since(0).back().sequence;
    rec.record(m, "command", "Start by alice: refused (Interlock)");
    CHECK(rec.journal(m)->since(before_command).size() == 1);
    CHECK(heard.back().text == "Start by alice: refused (Interlock)");
    CHECK(heard.size() == rec.journal(m)->size());
}
