// StopSignal: Machine::request_stop from any thread. The block hook polls it while the engine
// runs (a host thread calling uc_emu_stop could lose the stop: docs/machine.md), and a CPU halted
// until the next timer tick wakes on it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace lkmemu {

class StopSignal {
public:
    void request()
    {
        m_requested.store(true);
        std::lock_guard lock(m_mutex);
        m_wake.notify_all();
    }
    bool pending() const { return m_requested.load(std::memory_order_relaxed); }
    bool take() { return m_requested.exchange(false); } // true once per request

    // Sleep until `deadline` or a request, whichever comes first.
    template<typename Clock, typename Duration>
    void wait_until(const std::chrono::time_point<Clock, Duration>& deadline)
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait_until(lock, deadline, [&] { return m_requested.load(); });
    }

private:
    std::atomic<bool> m_requested { false };
    std::mutex m_mutex;
    std::condition_variable m_wake;
};

} // namespace lkmemu
