// Structured logs: one JSON object per line on stderr.
#ifndef SCIM_COMMON_LOG_H_
#define SCIM_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace scim {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogFields = std::vector<std::pair<std::string, std::string>>;

void Log(LogLevel level, absl::string_view msg, const LogFields& fields = {});

inline void LogInfo(absl::string_view msg, const LogFields& fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarning(absl::string_view msg, const LogFields& fields = {}) {
  Log(LogLevel::kWarning, msg, fields);
}
inline void LogError(absl::string_view msg, const LogFields& fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Formats one log line (exposed for tests).
std::string FormatLogLine(LogLevel level, absl::string_view msg,
                          const LogFields& fields);

}  // namespace scim

#endif  // SCIM_COMMON_LOG_H_
