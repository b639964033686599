#include "abi-check/change_kind.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ltskit::abi {
namespace {

TEST(ChangeKinds, EveryKindHasOneNameThatRoundTrips) {
  ASSERT_EQ(change_kinds().size(), 17u);
  std::set<std::string> names;
  for (size_t i = 0; i < change_kinds().size(); ++i) {
    const ChangeKindInfo& info = change_kinds()[i];
    EXPECT_EQ(info.kind, static_cast<ChangeKind>(i)) << "change_kinds() is not in enum order at " << info.name;
    EXPECT_EQ(&change_kind_info(info.kind), &info);
    EXPECT_STREQ(change_kind_name(info.kind), info.name);
    EXPECT_EQ(parse_change_kind(info.name), info.kind) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << "two kinds named " << info.name;
    EXPECT_FALSE(info.incompatible && info.addition) << info.name << ": an addition breaks nothing";
    EXPECT_NE(std::string(info.meaning), "") << info.name;
  }
}

// The names JSON reports and tests have always used.
TEST(ChangeKinds, NamesAreTheOnesReportsUse) {
  EXPECT_STREQ(change_kind_name(ChangeKind::kSonameChanged), "soname-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kFunctionRemoved), "function-removed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kVariableRemoved), "variable-removed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kSymbolTypeChanged), "symbol-type-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kSymbolVersionRemoved), "symbol-version-removed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kObjectSizeChanged), "object-size-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kFunctionTypeChanged), "function-type-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kVariableTypeChanged), "variable-type-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kFunctionAdded), "function-added");
  EXPECT_STREQ(change_kind_name(ChangeKind::kVariableAdded), "variable-added");
  EXPECT_STREQ(change_kind_name(ChangeKind::kSymbolVersionAdded), "symbol-version-added");
  EXPECT_STREQ(change_kind_name(ChangeKind::kDefaultVersionChanged), "default-version-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kHarmless), "harmless");
  EXPECT_STREQ(change_kind_name(ChangeKind::kPrivateTypeChanged), "private-type-changed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kLibraryRemoved), "library-removed");
  EXPECT_STREQ(change_kind_name(ChangeKind::kLibraryAdded), "library-added");
  EXPECT_STREQ(change_kind_name(ChangeKind::kMemberAddedInPadding), "member-added-in-padding");
  EXPECT_FALSE(change_kind_info(ChangeKind::kMemberAddedInPadding).incompatible);
  EXPECT_TRUE(change_kind_info(ChangeKind::kLibraryRemoved).incompatible);
  EXPECT_TRUE(change_kind_info(ChangeKind::kLibraryAdded).addition);
  EXPECT_FALSE(change_kind_info(ChangeKind::kPrivateTypeChanged).incompatible);
  EXPECT_TRUE(change_kind_info(ChangeKind::kSonameChanged).incompatible);
  EXPECT_TRUE(change_kind_info(ChangeKind::kFunctionTypeChanged).incompatible);
  EXPECT_FALSE(change_kind_info(ChangeKind::kDefaultVersionChanged).incompatible);
  EXPECT_FALSE(change_kind_info(ChangeKind::kHarmless).incompatible);
  EXPECT_TRUE(change_kind_info(ChangeKind::kFunctionAdded).addition);
  EXPECT_TRUE(change_kind_info(ChangeKind::kSymbolVersionAdded).addition);
  EXPECT_FALSE(change_kind_info(ChangeKind::kHarmless).addition);
}

TEST(ChangeKinds, UnknownNamesAreRejected) {
  for (const char* bad : {"", "everything", "Function-Removed", "function-removed ", "function_removed",
                          "type-layout-changed", "added-symbols", "soname"})
    EXPECT_FALSE(parse_change_kind(bad)) << "'" << bad << "'";
}

TEST(ChangeKinds, AllowListsTakeKindsAndGroups) {
  EXPECT_EQ(parse_allowed_kinds("harmless"), std::vector<ChangeKind>{ChangeKind::kHarmless});
  EXPECT_EQ(parse_allowed_kinds("function-removed"), std::vector<ChangeKind>{ChangeKind::kFunctionRemoved});
  EXPECT_EQ(
      parse_allowed_kinds("added-symbols"),
      (std::vector<ChangeKind>{ChangeKind::kFunctionAdded, ChangeKind::kVariableAdded, ChangeKind::kLibraryAdded}));
  EXPECT_EQ(parse_allowed_kinds("symbol-versions"),
            (std::vector<ChangeKind>{ChangeKind::kSymbolVersionAdded, ChangeKind::kDefaultVersionChanged}));
  EXPECT_EQ(parse_allowed_kinds("soname"), std::vector<ChangeKind>{ChangeKind::kSonameChanged});
  EXPECT_FALSE(parse_allowed_kinds("everything"));
  EXPECT_FALSE(parse_allowed_kinds("Added-Symbols"));
  std::set<std::string> group_names;
  for (const auto& g : change_kind_groups()) {
    EXPECT_FALSE(parse_change_kind(g.name)) << g.name << " is also a kind's name";
    EXPECT_TRUE(group_names.insert(g.name).second) << "two groups named " << g.name;
    EXPECT_FALSE(g.kinds.empty()) << g.name;
    EXPECT_EQ(parse_allowed_kinds(g.name), std::vector<ChangeKind>(g.kinds.begin(), g.kinds.end()));
  }
}

}  // namespace
}  // namespace ltskit::abi
