#include "common/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/version.h"

namespace scim {
namespace {

// Abseil's own flags (flagfile, fromenv, ...) are not ours to document.
bool IsOurFlag(const absl::CommandLineFlag& flag) {
  return !absl::StrContains(flag.Filename(), "absl/");
}

void PrintHelp(absl::string_view usage) {
  std::cout << usage << "\n\nFlags (each also settable as an environment "
            << "variable; the command line wins):\n";
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsOurFlag(*flag)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](auto* a, auto* b) {
    return a->Name() < b->Name();
  });
  for (const auto* flag : flags) {
    std::cout << "  --" << flag->Name() << "=" << flag->DefaultValue()
              << "  [env " << EnvNameForFlag(flag->Name()) << "]\n      "
              << flag->Help() << "\n";
  }
}

}  // namespace

std::string EnvNameForFlag(absl::string_view flag_name) {
  return absl::StrCat("SCIM_", absl::AsciiStrToUpper(flag_name));
}

std::vector<std::string> ParseFlags(int argc, char** argv,
                                    absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      PrintHelp(usage);
      std::exit(0);
    }
    if (arg == "--version") {
      absl::string_view program = argv[0];
      program = program.substr(program.rfind('/') + 1);
      std::cout << program << " " << Version() << "\n";
      std::exit(0);
    }
    if (arg == "--") break;
  }
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!IsOurFlag(*flag)) continue;
    std::string env = EnvNameForFlag(name);
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << "invalid value for " << env << ": " << error << "\n";
      std::exit(2);
    }
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return std::vector<std::string>(positional.begin(), positional.end());
}

}  // namespace scim
