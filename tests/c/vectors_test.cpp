// Every conformance vector (contact-vectors/1) through the C struct API:
// ../shared/vectors/*.json, tests/vectors/**/*.json and the files or
// directories in CONTACTGUARD_VECTORS (separated by `:`). Each case's JSON
// is turned into cg_event and cg_ask structs here, in C++, independently of
// the Rust parser; inline policies go to cg_policy_from_json as text. Each
// case is also decided through cg_decide_json, and both answers must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contactguard.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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

std::string str(cg_str s) { return s.len ? std::string(s.ptr, s.len) : std::string(); }
cg_str view(const std::string &s) { return cg_str{s.data(), s.size()}; }

// Throws with the error's message; frees the error. By reference, so `raw`
// is read after the call that fills it, whatever the argument order.
void check(cg_result r, cg_error *&raw, const std::string &what) {
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
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = (m + 9) % 12;
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t digits(const std::string &s, size_t pos, size_t n) {
    if (pos + n > s.size()) throw std::runtime_error("truncated time `" + s + "`");
    int64_t v = 0;
    for (size_t i = pos; i < pos + n; i++) {
        if (s[i] < '0' || s[i] > '9') throw std::runtime_error("bad time `" + s + "`");
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
cg_timestamp parse_time(const std::string &s) {
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

uint32_t lookup(const std::map<std::string, uint32_t> &table, const json &v, const char *what) {
    const auto it = table.find(v.get<std::string>());
    if (it == table.end()) throw std::runtime_error(std::string("unknown ") + what + " `" + v.dump() + "`");
    return it->second;
}

const std::map<std::string, uint32_t> kChannels = {
    {"call", CG_CHANNEL_CALL},   {"sms", CG_CHANNEL_SMS},   {"email", CG_CHANNEL_EMAIL},
    {"letter", CG_CHANNEL_LETTER}, {"visit", CG_CHANNEL_VISIT}, {"push", CG_CHANNEL_PUSH},
    {"voicemail_drop", CG_CHANNEL_VOICEMAIL_DROP}};
const std::map<std::string, uint32_t> kRoles = {
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
const std::map<std::string, uint32_t> kPurposes = {
    {"collection", CG_PURPOSE_COLLECTION}, {"location", CG_PURPOSE_LOCATION}, {"notice", CG_PURPOSE_NOTICE}};
const std::map<std::string, uint32_t> kPlaces = {
    {"home", CG_PLACE_HOME}, {"mobile", CG_PLACE_MOBILE}, {"work", CG_PLACE_WORK}, {"unknown", CG_PLACE_UNKNOWN}};
const std::map<std::string, uint32_t> kResults = {
    {"not_connected", CG_ATTEMPT_RESULT_NOT_CONNECTED}, {"no_answer", CG_ATTEMPT_RESULT_NO_ANSWER},
    {"voicemail", CG_ATTEMPT_RESULT_VOICEMAIL},         {"conversation", CG_ATTEMPT_RESULT_CONVERSATION},
    {"delivered", CG_ATTEMPT_RESULT_DELIVERED},         {"failed", CG_ATTEMPT_RESULT_FAILED},
    {"pending", CG_ATTEMPT_RESULT_PENDING}};
const std::map<std::string, uint32_t> kReasons = {
    {"dispute", CG_HOLD_REASON_DISPUTE},       {"promise_to_pay", CG_HOLD_REASON_PROMISE_TO_PAY},
    {"repayment_plan", CG_HOLD_REASON_REPAYMENT_PLAN}, {"complaint", CG_HOLD_REASON_COMPLAINT},
    {"bankruptcy", CG_HOLD_REASON_BANKRUPTCY}, {"deceased", CG_HOLD_REASON_DECEASED}};
const std::map<std::string, uint32_t> kEventTypes = {
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

const json *field(const json &obj, std::initializer_list<const char *> names) {
    for (const char *n : names) {
        const auto it = obj.find(n);
        if (it != obj.end() && !it->is_null()) return &*it;
    }
    return nullptr;
}

std::vector<std::string> one_or_many(const json *v) {
    std::vector<std::string> out;
    if (v == nullptr) return out;
    if (v->is_string()) {
        out.push_back(v->get<std::string>());
    } else {
        for (const auto &s : *v) out.push_back(s.get<std::string>());
    }
    return out;
}

cg_event to_event(const json &e, Arena &arena) {
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

cg_ask to_ask(const json &a, Arena &arena) {
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

// ---------------------------------------------------------------- cases

struct Case {
    std::string file;
    std::string id;
    json body;
};

void collect(const fs::path &root, std::vector<fs::path> &out) {
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
        std::vector<fs::path> found;
        for (const auto &entry : fs::recursive_directory_iterator(root, ec)) {
            if (entry.is_regular_file() && entry.path().extension() == ".json") found.push_back(entry.path());
        }
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(root, ec)) {
        out.push_back(root);
    } else {
        // A named file that is missing is a failure, not a silent skip.
        out.push_back(root);
    }
}

std::vector<fs::path> vector_files() {
    std::vector<fs::path> files;
    const fs::path repo(CG_REPO_DIR);
    // ../shared/vectors lies beside the repository in CI; a clone without
    // it still runs the project's own vectors (as `make test`'s Rust runner
    // does).
    if (fs::exists(repo / ".." / "shared" / "vectors")) collect(repo / ".." / "shared" / "vectors", files);
    if (fs::exists(repo / "tests" / "vectors")) collect(repo / "tests" / "vectors", files);
    if (const char *env = std::getenv("CONTACTGUARD_VECTORS")) {
        std::stringstream list(env);
        std::string item;
        while (std::getline(list, item, ':')) {
            if (!item.empty()) collect(item, files);
        }
    }
    std::vector<fs::path> unique;
    std::set<std::string> seen;
    for (const auto &f : files) {
        std::error_code ec;
        const auto key = fs::weakly_canonical(f, ec).string();
        if (seen.insert(key).second) unique.push_back(f);
    }
    return unique;
}

std::vector<Case> load_cases() {
    std::vector<Case> cases;
    for (const auto &file : vector_files()) {
        std::ifstream in(file);
        json doc = in ? json::parse(in, nullptr, false) : json();
        if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != "contact-vectors/1" ||
            !doc.contains("cases")) {
            // Unreadable files become one failing case each.
            cases.push_back({file.string(), "(unreadable file)", json()});
            continue;
        }
        for (const auto &c : doc["cases"]) cases.push_back({file.string(), c.value("id", "(no id)"), c});
    }
    return cases;
}

const std::vector<Case> &all_cases() {
    static const std::vector<Case> cases = load_cases();
    return cases;
}

const cg_policy *policy_for(const json &spec) {
    static std::map<std::string, PolicyPtr> cache;
    const std::string key = spec.dump();
    auto it = cache.find(key);
    if (it != cache.end()) return it->second.get();
    const cg_policy *p = nullptr;
    cg_error *err = nullptr;
    if (spec.is_string()) {
        const auto names = spec.get<std::string>();
        check(cg_policy_from_presets(names.data(), names.size(), &p, &err), err, "preset " + names);
    } else {
        check(cg_policy_from_json(key.data(), key.size(), &p, &err), err, "inline policy");
    }
    return cache.emplace(key, PolicyPtr(p)).first->second.get();
}

std::string show_time(const cg_timestamp &t) {
    return std::to_string(t.seconds) + "." + std::to_string(t.nanos);
}

// Decides a case through the struct API and returns what disagrees.
std::vector<std::string> run_case(const json &c) {
    std::vector<std::string> problems;
    const cg_policy *policy = policy_for(c.at("policy"));
    Arena arena;

    cg_history *raw_history = nullptr;
    cg_error *err = nullptr;
    check(cg_history_new(&raw_history, &err), err, "cg_history_new");
    HistoryPtr history(raw_history);
    if (c.contains("history") && c["history"].is_array()) {
        std::vector<cg_event> events;
        for (const auto &e : c["history"]) events.push_back(to_event(e, arena));
        check(cg_history_push_many(history.get(), events.data(), events.size(), &err), err, "history");
    }
    const cg_ask ask = to_ask(c.at("ask"), arena);

    cg_decision *raw_decision = nullptr;
    check(cg_decision_new(&raw_decision, &err), err, "cg_decision_new");
    DecisionPtr decision(raw_decision);
    check(cg_decide(policy, history.get(), &ask, decision.get(), &err), err, "cg_decide");

    cg_verdict verdict{};
    check(cg_decision_verdict(decision.get(), &verdict, &err), err, "cg_decision_verdict");
    std::vector<std::string> denied;
    for (size_t i = 0; i < cg_decision_denial_count(decision.get()); i++) {
        cg_denial d{};
        check(cg_decision_denial(decision.get(), i, &d, &err), err, "cg_decision_denial");
        denied.push_back(str(d.id));
    }
    std::vector<std::string> obligations;
    for (size_t i = 0; i < cg_decision_obligation_count(decision.get()); i++) {
        cg_str o{};
        check(cg_decision_obligation(decision.get(), i, &o, &err), err, "cg_decision_obligation");
        obligations.push_back(str(o));
    }
    std::optional<cg_timestamp> retry;
    cg_timestamp t{};
    if (cg_decision_retry_at(decision.get(), &t)) retry = t;

    const json &expect = c.at("expect");
    const bool want_allow = expect.at("allow").get<bool>();
    if (want_allow != (verdict.allow != 0)) {
        std::string why = "expected allow=" + std::string(want_allow ? "true" : "false");
        for (const auto &id : denied) why += "; denied by " + id;
        problems.push_back(why);
    }
    if (cg_decision_allow(decision.get()) != (verdict.allow != 0)) problems.push_back("allow and verdict disagree");
    if (expect.contains("retry_at")) {
        std::optional<cg_timestamp> want;
        if (!expect["retry_at"].is_null()) want = parse_time(expect["retry_at"].get<std::string>());
        const bool same = want.has_value() == retry.has_value() &&
                          (!want || (want->seconds == retry->seconds && want->nanos == retry->nanos));
        if (!same) {
            problems.push_back("expected retry_at=" + (want ? show_time(*want) : std::string("null")) +
                               ", got " + (retry ? show_time(*retry) : std::string("null")));
        }
    }
    if (expect.contains("denied_by")) {
        for (const auto &id : expect["denied_by"]) {
            if (std::find(denied.begin(), denied.end(), id.get<std::string>()) == denied.end())
                problems.push_back("expected a denial by `" + id.get<std::string>() + "`");
        }
    }
    if (expect.contains("obligations")) {
        for (const auto &o : expect["obligations"]) {
            if (std::find(obligations.begin(), obligations.end(), o.get<std::string>()) == obligations.end())
                problems.push_back("expected obligation `" + o.get<std::string>() + "`");
        }
    }

    // The JSON entry point must give the same decision.
    json request = {{"ask", c.at("ask")}, {"history", c.value("history", json::array())}};
    if (request["history"].is_null()) request["history"] = json::array();
    const std::string in = request.dump();
    size_t needed = 0;
    cg_result r = cg_decide_json(policy, in.data(), in.size(), nullptr, 0, &needed, &err);
    cg_error_free(err);
    err = nullptr;
    if (r != CG_RESULT_BUFFER_TOO_SMALL) {
        problems.push_back("cg_decide_json with no buffer returned " + std::to_string(r));
        return problems;
    }
    std::string out(needed, '\0');
    size_t len = 0;
    check(cg_decide_json(policy, in.data(), in.size(), out.data(), out.size(), &len, &err), err, "cg_decide_json");
    out.resize(len);
    const json answer = json::parse(out);
    if (answer.at("allow").get<bool>() != (verdict.allow != 0)) problems.push_back("JSON entry point disagrees on allow");
    if (answer.at("denials").size() != verdict.denial_count) problems.push_back("JSON entry point disagrees on denials");
    const bool json_retry = !answer.at("retry_at").is_null();
    if (json_retry != retry.has_value() ||
        (json_retry && parse_time(answer["retry_at"].get<std::string>()).seconds != retry->seconds))
        problems.push_back("JSON entry point disagrees on retry_at");
    return problems;
}

class Vectors : public ::testing::TestWithParam<size_t> {};

TEST_P(Vectors, AgreesWithExpectation) {
    const Case &c = all_cases().at(GetParam());
    SCOPED_TRACE(c.file + ": " + c.id);
    ASSERT_FALSE(c.body.is_null()) << "not a contact-vectors/1 file: " << c.file;
    std::vector<std::string> problems;
    try {
        problems = run_case(c.body);
    } catch (const std::exception &e) {
        problems.push_back(e.what());
    }
    for (const auto &p : problems) ADD_FAILURE() << c.file << ": " << c.id << ": " << p;
}

std::vector<size_t> case_indexes() {
    std::vector<size_t> out(all_cases().size());
    for (size_t i = 0; i < out.size(); i++) out[i] = i;
    return out;
}

std::string case_name(const ::testing::TestParamInfo<size_t> &info) {
    const Case &c = all_cases().at(info.param);
    std::string name = std::to_string(info.param) + "_";
    for (char ch : fs::path(c.file).stem().string() + "_" + c.id)
        name += (std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
    return name;
}

INSTANTIATE_TEST_SUITE_P(All, Vectors, ::testing::ValuesIn(case_indexes()), case_name);

// The vectors must be found: an empty run proves nothing.
TEST(VectorFiles, SharedVectorsAreFound) {
    EXPECT_GE(vector_files().size(), 2u);
    EXPECT_GE(all_cases().size(), 50u);
    std::cout << "conformance cases: " << all_cases().size() << " in " << vector_files().size() << " files\n";
}

}  // namespace
