// May we text this debtor at 21:30 in Boston after three texts today?
// The C++17 wrapper: RAII handles, exceptions carrying the error's location.
#include <iostream>

#include "contactguard.hpp"

namespace cg = contactguard;

int main() {
    try {
        const auto policy = cg::Policy::presets("us-reg-f+us-ma+conduct");

        cg::History history;
        // Three texts delivered earlier on 2026-10-15 (EDT, UTC-4).
        for (int64_t hour : {9, 12, 15}) {
            history.push(cg::Event::attempt(cg::Timestamp{1792065600 + (hour - 8) * 3600, 0}, cg::Channel::Sms,
                                            "+1-617-555-0100", cg::Role::Debtor, "loan-42",
                                            cg::AttemptResult::Delivered));
        }
        history.push(cg::Event::consent(cg::Timestamp{1790000000, 0}, "+1-617-555-0100", cg::Channel::Sms, true));

        cg::Ask ask;
        ask.at = cg::Timestamp{1792114200, 0};  // 2026-10-15T21:30:00-04:00
        ask.channel = cg::Channel::Sms;
        ask.to = "+1-617-555-0100";
        ask.role = cg::Role::Debtor;
        ask.debt = "loan-42";
        ask.timezones = {"America/New_York"};
        ask.purpose = cg::Purpose::Collection;

        const cg::Decision decision = policy.decide(history, ask);
        std::cout << "policy: " << policy.name() << "\n";
        std::cout << "allowed: " << (decision.allow() ? "yes" : "no") << "\n";
        for (const auto &denial : decision.denials()) {
            std::cout << "  " << denial.id << " (" << denial.cite << "): " << denial.message << "\n";
        }
        if (const auto retry = decision.retry_at()) std::cout << "retry at unix " << retry->seconds << "\n";
        return 0;
    } catch (const cg::PolicyError &e) {
        std::cerr << "policy error at " << e.line() << ":" << e.column() << " `" << e.field() << "`: " << e.what()
                  << "\n";
    } catch (const cg::Error &e) {
        std::cerr << "contactguard error " << e.code() << ": " << e.what() << "\n";
    }
    return 1;
}
