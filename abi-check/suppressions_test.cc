#include "abi-check/suppressions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ltskit::abi {
namespace {

namespace fs = std::filesystem;
using Fields = std::vector<std::pair<std::string, std::string>>;

// The error of a suppression that must be refused.
Error refused(const Fields& fields, const std::string& where = "policy.toml:7: abi.suppressions[2]") {
  auto s = make_suppression(fields, where);
  EXPECT_FALSE(s.ok());
  return s.ok() ? Error{ErrorCode::kUsage, "accepted"} : s.error();
}

TEST(MakeSuppression, TakesOnePatternAndAReason) {
  auto s = make_suppression({{"type", "struct internal_*"}, {"reason", "never exposed by value"}}, "here");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->type, "struct internal_*");
  EXPECT_EQ(s->reason, "never exposed by value");
  EXPECT_EQ(s->symbol, "");
  EXPECT_EQ(s->soname, "");
  Suppressions all{{*s}};
  EXPECT_EQ(all.match_type("struct internal_ctx"), "never exposed by value");
  EXPECT_EQ(all.match_type("struct public_ctx"), "");
  EXPECT_EQ(all.match_symbol("internal_ctx", "internal_ctx"), "");
}

TEST(MakeSuppression, ErrorsNameWhereAndTheKey) {
  const std::string where = "policy.toml:7: abi.suppressions[2]";
  Error unknown = refused({{"symbol", "f*"}, {"pattern", "g*"}, {"reason", "r"}});
  EXPECT_EQ(unknown.code, ErrorCode::kInvalid);
  EXPECT_EQ(unknown.message, where + ": key 'pattern': unknown key");

  Error no_reason = refused({{"symbol", "f*"}});
  EXPECT_EQ(no_reason.code, ErrorCode::kInvalid);
  EXPECT_EQ(no_reason.message, where + ": every suppression needs a reason");
  EXPECT_EQ(refused({{"symbol", "f*"}, {"reason", ""}}).message, where + ": every suppression needs a reason");

  Error two = refused({{"symbol", "f*"}, {"type", "struct s"}, {"reason", "r"}});
  EXPECT_EQ(two.code, ErrorCode::kInvalid);
  EXPECT_EQ(two.message, where + ": give exactly one of symbol, type, soname");
  EXPECT_EQ(refused({{"reason", "r"}}).message, where + ": give exactly one of symbol, type, soname");

  EXPECT_EQ(refused({{"symbol", "f*"}, {"symbol", "g*"}, {"reason", "r"}}).message,
            where + ": key 'symbol': given twice");
  EXPECT_EQ(refused({{"soname", ""}, {"reason", "r"}}).message, where + ": key 'soname': the pattern is empty");
}

TEST(ParseSuppressions, FileEntriesGetTheSameRulesAndMessagesAsPolicyEntries) {
  auto s =
      parse_suppressions("[[suppress]]\nsymbol = \"a*\"\nreason = \"r\"\n\n[[suppress]]\nsymbol = \"x\"\n", "sup.toml");
  ASSERT_FALSE(s.ok());
  auto same = make_suppression({{"symbol", "x"}}, "sup.toml:5: suppress[1]");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(s.error().message, same.error().message);
  EXPECT_EQ(s.error().message, "sup.toml:5: suppress[1]: every suppression needs a reason");
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
}

TEST(ParseSuppressions, ReadsEveryEntryInOrder) {
  auto s = parse_suppressions(
      "[[suppress]]\nsymbol = \"_ZN6detail*\"\nreason = \"internal\"\n"
      "[[suppress]]\nsoname = \"libfoo.so.*\"\nreason = \"intended bump\"\n",
      "sup.toml");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->entries.size(), 2u);
  EXPECT_EQ(s->entries[0].symbol, "_ZN6detail*");
  EXPECT_EQ(s->entries[1].soname, "libfoo.so.*");
  EXPECT_EQ(s->match_soname("libfoo.so.2"), "intended bump");
  EXPECT_EQ(s->match_symbol("_ZN6detail3fooEv", "detail::foo()"), "internal");
  auto none = parse_suppressions("", "empty.toml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->entries.empty());
}

TEST(ParseSuppressions, MalformedFilesAreInvalidWithTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[[suppress]]\nsymbol = \"a\nreason = \"r\"\n", "sup.toml:2: "},
      {"# top-level keys come before the tables\nsuppressions = 1\n[[suppress]]\nsymbol = \"a*\"\nreason = \"r\"\n",
       "sup.toml:2: key 'suppressions': unknown key"},
      {"[suppress]\nsymbol = \"a*\"\nreason = \"r\"\n", "sup.toml:1: key 'suppress': expected [[suppress]] tables"},
      {"[[suppress]]\nsymbol = 3\nreason = \"r\"\n", "sup.toml:1: suppress[0]: key 'symbol': expected a string"},
      {"suppress = [1]\n", "sup.toml:1: suppress[0]: expected a table"},
  };
  for (const auto& [text, want] : cases) {
    auto s = parse_suppressions(text, "sup.toml");
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << text;
    EXPECT_EQ(s.error().message.substr(0, want.size()), want) << text;
  }
}

TEST(LoadSuppressions, MissingFileIsNotFound) {
  fs::path dir = fs::temp_directory_path() / ("ltsabi-supfile-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto missing = load_suppressions((dir / "none.toml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("none.toml"), std::string::npos);
  std::ofstream(dir / "sup.toml") << "[[suppress]]\ntype = \"struct x\"\nreason = \"r\"\n";
  auto ok = load_suppressions((dir / "sup.toml").string());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->entries.at(0).type, "struct x");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ltskit::abi
