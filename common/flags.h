// Command-line flags with environment equivalents: every flag `--name` can also
// be given as SCIM_NAME (the command line wins). `--help` lists our flags with
// their env names and exits 0; `--version` prints "<program> <version>" and
// exits 0.
#ifndef SCIM_COMMON_FLAGS_H_
#define SCIM_COMMON_FLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace scim {

// Returns the positional arguments (argv[0] first). Exits on bad flags.
std::vector<std::string> ParseFlags(int argc, char** argv,
                                    absl::string_view usage);

// "data_dir" -> "SCIM_DATA_DIR".
std::string EnvNameForFlag(absl::string_view flag_name);

}  // namespace scim

#endif  // SCIM_COMMON_FLAGS_H_
