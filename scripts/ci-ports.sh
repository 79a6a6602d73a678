# The reference CI's port map for the scripts (sourced, not run). The same numbers as the C++ table in
# sim/network/ci_ports.h; the ctest "world: scripts/ci-ports.sh matches the C++ port map" keeps them equal.
MGM_EBS_PORT=8080
MGM_EVENTSUB_PORT=9051
MGM_JWT_PORT=9052
MGM_HELIX_PORT=9053
MGM_DESKTOP_PORT=9054
