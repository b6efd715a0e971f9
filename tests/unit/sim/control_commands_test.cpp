// pcs-sim's control language on a simulated rack in fake time: the misbehaving-peer injection.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "protocol/running_states.h"
#include "runtime/manual_event_loop.h"
#include "sim/simulated_rack.h"
#include "transport/virtual_bus.h"

using namespace ystpcs;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct RackBench {
    runtime::ManualEventLoop loop;
    transport::VirtualBus bus{loop, "sim"};
    std::unique_ptr<transport::CanTransport> node = bus.connect();
    sim::SimulatedRack rack{loop, *node};
    RackBench() {
        for (std::uint8_t address : {1, 2}) {
            sim::PcsConfig c;
            c.address = address;
            c.plant.noise_scale = 0;
            rack.add(c);
        }
        loop.advance(2s);
    }
    json run(const std::string& line) { return json::parse(rack.execute(line)); }
};

}  // namespace

TEST_CASE("misreport: a module reports a running state of the caller's choice, then the truth again") {
    RackBench b;
    auto r = b.run("misreport 2 11");
    REQUIRE(r["ok"] == true);
    CHECK(r["module"]["misreport"] == 11);
    CHECK(r["module"]["reported_state"] == protocol::running_state::standby);  // not operating: the truth
    CHECK(b.rack.find(1)->state_json(b.loop.now())["misreport"].is_null());     // only the module named
    r = b.run("misreport 2 off");
    REQUIRE(r["ok"] == true);
    CHECK(r["module"]["misreport"].is_null());
    r = b.run("misreport 2 0x0B");
    CHECK(r["module"]["misreport"] == 11);
    r = b.run("misreport 2 0");
    CHECK(r["module"]["misreport"].is_null());
}

TEST_CASE("misreport: states outside Appendix B and a missing address are refused in words") {
    RackBench b;
    for (const char* line : {"misreport 2 15", "misreport 2 -1", "misreport 2 11.5", "misreport 2 cv"}) {
        const auto r = b.run(line);
        CHECK_MESSAGE(r["ok"] == false, line);
    }
    CHECK(std::string(b.run("misreport 2 15")["error"]).find("1 … 14") != std::string::npos);
    CHECK(std::string(b.run("misreport 11")["error"]).find("needs a module address") != std::string::npos);
    CHECK(std::string(b.run("help")["help"]).find("misreport") != std::string::npos);
}
