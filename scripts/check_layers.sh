#!/usr/bin/env bash
# Checks ARCHITECTURE's dependency arrows by grepping #include lines (STYLE.md rule 2):
#   deferred/   includes nothing else of torsion's (deferred/testing adds its own testing/);
#   reactor/    includes only deferred/ and itself;
#   transports/ includes only deferred/, reactor/ and itself;
#   protocols/  takes from reactor/ and transports/ only interfaces (i*.hpp) and value types;
#   protocols/application/ (services, react) is the top library layer: it may include every
#               module's public headers (deferred/, reactor/, transports/, protocols/).
# Prints each violation and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
violations() {  # module, allowed-include regex, [subdirectory to leave to its own rule]
  local module=$1 allowed=$2 exclude=${3:-}
  [ -d "$module" ] || return 0
  local bad
  bad=$(grep -rnE '#include <torsion/' "$module" | { if [ -n "$exclude" ]; then grep -v "^$module/$exclude/"; else cat; fi; } |
    grep -vE "#include <torsion/($allowed)" || true)
  if [ -n "$bad" ]; then
    echo "$module/ includes what its layer may not:"
    echo "$bad"
    status=1
  fi
}

violations deferred 'deferred/|testing/'
violations reactor 'deferred/|reactor/'
violations transports 'deferred/|reactor/|transports/|testing/(string_transport|fake_|memory_reactor|loopback)'
violations protocols 'deferred/|protocols/|reactor/(i[a-z_]*|delayed_call|errors)\.hpp|transports/(i[a-z_]*|address|errors|protocol|factory|client_factory|datagram_protocol)\.hpp' application
violations protocols/application 'deferred/|reactor/|transports/|protocols/|application/'
exit $status
