#include "pcsctl/can_interfaces.h"

#include <linux/can/netlink.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ystpcs::ctl {

namespace {

std::string operstate_name(std::uint8_t s) {
    switch (s) {
        case IF_OPER_UP: return "up";
        case IF_OPER_DOWN: return "down";
        case IF_OPER_DORMANT: return "dormant";
        case IF_OPER_LOWERLAYERDOWN: return "lower-layer-down";
        case IF_OPER_NOTPRESENT: return "not-present";
        case IF_OPER_TESTING: return "testing";
        default: return "unknown";
    }
}

std::string can_state_name(std::uint32_t s) {
    switch (s) {
        case CAN_STATE_ERROR_ACTIVE: return "error-active";
        case CAN_STATE_ERROR_WARNING: return "error-warning";
        case CAN_STATE_ERROR_PASSIVE: return "error-passive";
        case CAN_STATE_BUS_OFF: return "bus-off";
        case CAN_STATE_STOPPED: return "stopped";
        case CAN_STATE_SLEEPING: return "sleeping";
        default: return "unknown";
    }
}

void parse_can_data(const rtattr* data, int len, CanInterfaceInfo& info) {
    for (const rtattr* a = data; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_CAN_BITTIMING && RTA_PAYLOAD(a) >= sizeof(can_bittiming)) {
            can_bittiming bt{};
            std::memcpy(&bt, RTA_DATA(a), sizeof bt);
            if (bt.bitrate != 0) info.bitrate = bt.bitrate;
        } else if (a->rta_type == IFLA_CAN_STATE && RTA_PAYLOAD(a) >= sizeof(std::uint32_t)) {
            std::uint32_t s = 0;
            std::memcpy(&s, RTA_DATA(a), sizeof s);
            info.controller_state = can_state_name(s);
        }
    }
}

void parse_link(const nlmsghdr* h, std::vector<CanInterfaceInfo>& out) {
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    if (ifi->ifi_type != ARPHRD_CAN) return;
    CanInterfaceInfo info;
    info.up = (ifi->ifi_flags & IFF_UP) != 0;
    int len = static_cast<int>(IFLA_PAYLOAD(h));
    for (const rtattr* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        switch (a->rta_type) {
            case IFLA_IFNAME: info.name = static_cast<const char*>(RTA_DATA(a)); break;
            case IFLA_OPERSTATE: info.operstate = operstate_name(*static_cast<const std::uint8_t*>(RTA_DATA(a))); break;
            case IFLA_STATS64:
                if (RTA_PAYLOAD(a) >= sizeof(rtnl_link_stats64)) {
                    rtnl_link_stats64 st{};
                    std::memcpy(&st, RTA_DATA(a), sizeof st);
                    info.rx_packets = st.rx_packets;
                    info.tx_packets = st.tx_packets;
                    info.rx_errors = st.rx_errors;
                    info.tx_errors = st.tx_errors;
                }
                break;
            case IFLA_LINKINFO: {
                int ilen = static_cast<int>(RTA_PAYLOAD(a));
                for (const rtattr* i = static_cast<const rtattr*>(RTA_DATA(a)); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen)) {
                    if (i->rta_type == IFLA_INFO_KIND) info.kind = static_cast<const char*>(RTA_DATA(i));
                    if (i->rta_type == IFLA_INFO_DATA)
                        parse_can_data(static_cast<const rtattr*>(RTA_DATA(i)), static_cast<int>(RTA_PAYLOAD(i)), info);
                }
                break;
            }
            default: break;
        }
    }
    out.push_back(info);
}

}  // namespace

Result<std::vector<CanInterfaceInfo>> list_can_interfaces() {
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return make_error(ErrorKind::io, std::string("netlink socket: ") + std::strerror(errno));
    struct {
        nlmsghdr h;
        ifinfomsg i;
    } req{};
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    req.i.ifi_family = AF_UNSPEC;
    if (::send(fd, &req, req.h.nlmsg_len, 0) < 0) {
        const int e = errno;
        ::close(fd);
        return make_error(ErrorKind::io, std::string("netlink request: ") + std::strerror(e));
    }
    std::vector<CanInterfaceInfo> out;
    alignas(nlmsghdr) char buf[32768];
    for (bool done = false; !done;) {
        const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
        int len = static_cast<int>(r);
        for (const nlmsghdr* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(len)); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                done = true;
                break;
            }
            if (h->nlmsg_type == RTM_NEWLINK) parse_link(h, out);
        }
    }
    ::close(fd);
    return out;
}

}  // namespace ystpcs::ctl
