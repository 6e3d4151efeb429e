// Every conformance vector (contact-vectors/1) through the C struct API:
// ../shared/vectors/*.json, tests/vectors/**/*.json and the files or
// directories in CONTACTGUARD_VECTORS (separated by `:`). Each case's JSON
// is turned into cg_event and cg_ask structs (json_structs.hpp), in C++, independently of
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

#include "json_structs.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace cgtest;

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
