#include "transport/tx_queue.h"

#include <algorithm>

namespace ystpcs::transport {

static_assert(static_cast<int>(TxClass::heartbeat) == 0 && static_cast<int>(TxClass::bulk) == 3,
              "TxQueue indexes its queues by TxClass, highest class first");

bool TxQueue::may_send_now(TxClass tx_class) const {
    for (std::size_t i = 0; i <= index(tx_class); ++i)
        if (!queues_[i].empty()) return false;
    return true;
}

TxQueue::Pushed TxQueue::push(const protocol::CanFrame& frame, TxClass tx_class) {
    auto& q = queue(tx_class);
    if (tx_class == TxClass::heartbeat) {
        for (auto& e : q) {
            if (e.frame.id == frame.id) {
                e.frame = frame;
                e.ticket = next_ticket_++;
                return {e.ticket, true};
            }
        }
    }
    if (q.size() >= limit(tx_class)) return {};
    q.push_back(Entry{next_ticket_++, tx_class, frame});
    return {q.back().ticket, false};
}

const TxQueue::Entry* TxQueue::next() const {
    for (const auto& q : queues_)
        if (!q.empty()) return &q.front();
    return nullptr;
}

TxQueue::Entry TxQueue::take() {
    for (auto& q : queues_) {
        if (q.empty()) continue;
        Entry e = std::move(q.front());
        q.pop_front();
        return e;
    }
    return {};
}

void TxQueue::put_back(Entry entry) { queue(entry.tx_class).push_front(std::move(entry)); }

bool TxQueue::withdraw(TxTicket ticket) {
    if (ticket == 0) return false;
    for (auto& q : queues_) {
        const auto it = std::find_if(q.begin(), q.end(), [ticket](const Entry& e) { return e.ticket == ticket; });
        if (it != q.end()) {
            q.erase(it);
            return true;
        }
    }
    return false;
}

std::size_t TxQueue::clear() {
    const std::size_t n = size();
    for (auto& q : queues_) q.clear();
    return n;
}

std::size_t TxQueue::size() const {
    std::size_t n = 0;
    for (const auto& q : queues_) n += q.size();
    return n;
}

std::size_t TxQueue::limit(TxClass c) const {
    switch (c) {
        case TxClass::heartbeat: return limits_.heartbeat;
        case TxClass::urgent: return limits_.urgent;
        case TxClass::normal: return limits_.normal;
        case TxClass::bulk: return limits_.bulk;
    }
    return 0;
}

}  // namespace ystpcs::transport
