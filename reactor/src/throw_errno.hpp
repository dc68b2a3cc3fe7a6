#pragma once

namespace torsion::detail {

/// Throws SystemError "<what>: <strerror(errno)>" for the current errno.
[[noreturn]] void throwErrno(const char* what);

}  // namespace torsion::detail
