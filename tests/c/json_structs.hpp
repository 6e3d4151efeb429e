// JSON (the conformance vectors' `ask` and `history[]` items) to the C
// ABI's structs, written in C++ independently of the Rust parser; shared by
// the C++ tests that read JSON (vectors_test.cpp, scenarios_test.cpp).
#ifndef CG_TEST_JSON_STRUCTS_HPP
#define CG_TEST_JSON_STRUCTS_HPP

#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contactguard.h"

namespace cgtest {

using nlohmann::json;

// ---------------------------------------------------------------- handles

struct PolicyFree {
    void operator()(const cg_policy *p) const { cg_policy_free(p); }
};
struct HistoryFree {
    void operator()(cg_history *h) const { cg_history_free(h); }
};
struct DecisionFree {
    void operator()(cg_decision *d) const { cg_decision_free(d); }
};
struct ErrorFree {
    void operator()(cg_error *e) const { cg_error_free(e); }
};
using PolicyPtr = std::unique_ptr<const cg_policy, PolicyFree>;
using HistoryPtr = std::unique_ptr<cg_history, HistoryFree>;
using DecisionPtr = std::unique_ptr<cg_decision, DecisionFree>;
using ErrorPtr = std::unique_ptr<cg_error, ErrorFree>;

inline std::string str(cg_str s) { return s.len ? std::string(s.ptr, s.len) : std::string(); }
inline cg_str view(const std::string &s) { return cg_str{s.data(), s.size()}; }

// Throws with the error's message; frees the error. By reference, so `raw`
// is read after the call that fills it, whatever the argument order.
inline void check(cg_result r, cg_error *&raw, const std::string &what) {
    ErrorPtr err(raw);
    raw = nullptr;
    if (r != CG_RESULT_OK) {
        std::ostringstream msg;
        msg << what << ": status " << static_cast<unsigned>(r) << ": " << str(cg_error_message(err.get()));
        if (cg_error_field(err.get()).len) msg << " (field `" << str(cg_error_field(err.get())) << "`)";
        throw std::runtime_error(msg.str());
    }
}

// ---------------------------------------------------------------- times

// Days from 1970-01-01 to a proleptic Gregorian date.
inline int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = (m + 9) % 12;
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

inline int64_t digits(const std::string &s, size_t pos, size_t n) {
    if (pos + n > s.size()) throw std::runtime_error("truncated time `" + s + "`");
    int64_t v = 0;
    for (size_t i = pos; i < pos + n; i++) {
        if (s[i] < '0' || s[i] > '9') throw std::runtime_error("bad time `" + s + "`");
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
inline cg_timestamp parse_time(const std::string &s) {
    const int64_t y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    const int64_t h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
    size_t pos = 19;
    int32_t nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        int32_t scale = 100000000;
        for (pos++; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; pos++) {
            nanos += (s[pos] - '0') * scale;
            scale /= 10;
        }
    }
    if (pos >= s.size()) throw std::runtime_error("time without offset `" + s + "`");
    int64_t offset = 0;
    if (s[pos] == '+' || s[pos] == '-') {
        offset = (digits(s, pos + 1, 2) * 60 + digits(s, pos + 4, 2)) * 60 * (s[pos] == '-' ? -1 : 1);
    } else if (s[pos] != 'Z' && s[pos] != 'z') {
        throw std::runtime_error("bad offset in `" + s + "`");
    }
    return cg_timestamp{days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset, nanos};
}

// ---------------------------------------------------------------- enums

inline uint32_t lookup(const std::map<std::string, uint32_t> &table, const json &v, const char *what) {
    const auto it = table.find(v.get<std::string>());
    if (it == table.end()) throw std::runtime_error(std::string("unknown ") + what + " `" + v.dump() + "`");
    return it->second;
}

inline const std::map<std::string, uint32_t> kChannels = {
    {"call", CG_CHANNEL_CALL},   {"sms", CG_CHANNEL_SMS},   {"email", CG_CHANNEL_EMAIL},
    {"letter", CG_CHANNEL_LETTER}, {"visit", CG_CHANNEL_VISIT}, {"push", CG_CHANNEL_PUSH},
    {"voicemail_drop", CG_CHANNEL_VOICEMAIL_DROP}};
inline const std::map<std::string, uint32_t> kRoles = {
    {"debtor", CG_ROLE_DEBTOR},
    {"co_debtor", CG_ROLE_CO_DEBTOR},
    {"guarantor", CG_ROLE_GUARANTOR},
    {"spouse", CG_ROLE_SPOUSE},
    {"estate_representative", CG_ROLE_ESTATE_REPRESENTATIVE},
    {"attorney", CG_ROLE_ATTORNEY},
    {"emergency_contact", CG_ROLE_EMERGENCY_CONTACT},
    {"reference", CG_ROLE_REFERENCE},
    {"third_party", CG_ROLE_THIRD_PARTY},
    {"employer", CG_ROLE_EMPLOYER}};
inline const std::map<std::string, uint32_t> kPurposes = {
    {"collection", CG_PURPOSE_COLLECTION}, {"location", CG_PURPOSE_LOCATION}, {"notice", CG_PURPOSE_NOTICE}};
inline const std::map<std::string, uint32_t> kPlaces = {
    {"home", CG_PLACE_HOME}, {"mobile", CG_PLACE_MOBILE}, {"work", CG_PLACE_WORK}, {"unknown", CG_PLACE_UNKNOWN}};
inline const std::map<std::string, uint32_t> kResults = {
    {"not_connected", CG_ATTEMPT_RESULT_NOT_CONNECTED}, {"no_answer", CG_ATTEMPT_RESULT_NO_ANSWER},
    {"voicemail", CG_ATTEMPT_RESULT_VOICEMAIL},         {"conversation", CG_ATTEMPT_RESULT_CONVERSATION},
    {"delivered", CG_ATTEMPT_RESULT_DELIVERED},         {"failed", CG_ATTEMPT_RESULT_FAILED},
    {"pending", CG_ATTEMPT_RESULT_PENDING}};
inline const std::map<std::string, uint32_t> kReasons = {
    {"dispute", CG_HOLD_REASON_DISPUTE},       {"promise_to_pay", CG_HOLD_REASON_PROMISE_TO_PAY},
    {"repayment_plan", CG_HOLD_REASON_REPAYMENT_PLAN}, {"complaint", CG_HOLD_REASON_COMPLAINT},
    {"bankruptcy", CG_HOLD_REASON_BANKRUPTCY}, {"deceased", CG_HOLD_REASON_DECEASED}};
inline const std::map<std::string, uint32_t> kEventTypes = {
    {"attempt", CG_EVENT_TYPE_ATTEMPT},
    {"consent", CG_EVENT_TYPE_CONSENT},
    {"opt_out", CG_EVENT_TYPE_OPT_OUT},
    {"cease", CG_EVENT_TYPE_CEASE},
    {"attorney", CG_EVENT_TYPE_ATTORNEY},
    {"hold", CG_EVENT_TYPE_HOLD},
    {"prior_consent_to_contact", CG_EVENT_TYPE_PRIOR_CONSENT_TO_CONTACT},
    {"request_contact", CG_EVENT_TYPE_REQUEST_CONTACT},
    {"inconvenient", CG_EVENT_TYPE_INCONVENIENT},
    {"unreachable", CG_EVENT_TYPE_UNREACHABLE}};

// ---------------------------------------------------------------- structs

// Owns the strings a cg_event or cg_ask points into. Strings live in a
// std::deque-like list of unique buffers so pointers stay put.
struct Arena {
    std::vector<std::unique_ptr<std::string>> strings;
    std::vector<std::unique_ptr<std::vector<cg_str>>> lists;

    cg_str keep(const std::string &s) {
        strings.push_back(std::make_unique<std::string>(s));
        return view(*strings.back());
    }
    const cg_str *keep_list(const std::vector<std::string> &items) {
        auto list = std::make_unique<std::vector<cg_str>>();
        for (const auto &s : items) list->push_back(keep(s));
        lists.push_back(std::move(list));
        return lists.back()->empty() ? nullptr : lists.back()->data();
    }
};

inline const json *field(const json &obj, std::initializer_list<const char *> names) {
    for (const char *n : names) {
        const auto it = obj.find(n);
        if (it != obj.end() && !it->is_null()) return &*it;
    }
    return nullptr;
}

inline std::vector<std::string> one_or_many(const json *v) {
    std::vector<std::string> out;
    if (v == nullptr) return out;
    if (v->is_string()) {
        out.push_back(v->get<std::string>());
    } else {
        for (const auto &s : *v) out.push_back(s.get<std::string>());
    }
    return out;
}

inline cg_event to_event(const json &e, Arena &arena) {
    cg_event ev{};
    ev.type = lookup(kEventTypes, e.at("type"), "event type");
    ev.at = parse_time(e.at("at").get<std::string>());
    if (const json *v = field(e, {"to"})) ev.to = arena.keep(v->get<std::string>());
    if (const json *v = field(e, {"debt"})) {
        ev.debt = arena.keep(v->get<std::string>());
        ev.has_debt = 1;
    }
    if (const json *v = field(e, {"channel"})) {
        ev.channel = lookup(kChannels, *v, "channel");
        ev.has_channel = 1;
    }
    if (const json *v = field(e, {"role"})) ev.role = lookup(kRoles, *v, "role");
    if (const json *v = field(e, {"result"})) ev.result = lookup(kResults, *v, "result");
    if (const json *v = field(e, {"place"})) {
        ev.place = lookup(kPlaces, *v, "place");
        ev.has_place = 1;
    }
    if (const json *v = field(e, {"reason"})) ev.reason = lookup(kReasons, *v, "hold reason");
    if (const json *v = field(e, {"until"})) {
        ev.until = parse_time(v->get<std::string>());
        ev.has_until = 1;
    }
    if (const json *v = field(e, {"kind"})) {
        ev.kind = arena.keep(v->get<std::string>());
        ev.has_kind = 1;
    }
    if (const json *v = field(e, {"start", "from", "after"})) {
        ev.start = arena.keep(v->get<std::string>());
        ev.has_start = 1;
    }
    if (const json *v = field(e, {"end", "before"})) {
        ev.end = arena.keep(v->get<std::string>());
        ev.has_end = 1;
    }
    const auto days = one_or_many(field(e, {"weekdays", "days"}));
    ev.weekdays = arena.keep_list(days);
    ev.weekdays_len = days.size();
    // `granted` defaults to true for prior consent (as on the wire).
    const json *granted = field(e, {"granted"});
    ev.granted = granted ? (granted->get<bool>() ? 1 : 0) : (ev.type == CG_EVENT_TYPE_PRIOR_CONSENT_TO_CONTACT);
    return ev;
}

inline cg_ask to_ask(const json &a, Arena &arena) {
    cg_ask ask{};
    ask.at = parse_time(a.at("at").get<std::string>());
    ask.channel = lookup(kChannels, a.at("channel"), "channel");
    ask.to = arena.keep(a.at("to").get<std::string>());
    ask.role = lookup(kRoles, a.at("role"), "role");
    ask.debt = arena.keep(a.at("debt").get<std::string>());
    const auto zones = one_or_many(field(a, {"timezones", "timezone"}));
    ask.timezones = arena.keep_list(zones);
    ask.timezones_len = zones.size();
    if (const json *v = field(a, {"place"})) {
        ask.place = lookup(kPlaces, *v, "place");
        ask.has_place = 1;
    }
    if (const json *v = field(a, {"purpose"})) {
        ask.purpose = lookup(kPurposes, *v, "purpose");
        ask.has_purpose = 1;
    }
    if (const json *v = field(a, {"autodialed"})) {
        ask.autodialed = v->get<bool>() ? 1 : 0;
        ask.has_autodialed = 1;
    }
    if (const json *v = field(a, {"days_past_due"})) {
        ask.days_past_due = v->get<int64_t>();
        ask.has_days_past_due = 1;
    }
    return ask;
}


}  // namespace cgtest

#endif  // CG_TEST_JSON_STRUCTS_HPP
