// The one translation unit that compiles the nlohmann::json templates listed in json_instances.h.
#include "sim/core/json_instances.h"

#define MGM_JSON_DEFINE_INSTANCE(...) template class __VA_ARGS__;

NLOHMANN_JSON_NAMESPACE_BEGIN
MGM_JSON_INSTANCES(MGM_JSON_DEFINE_INSTANCE)
NLOHMANN_JSON_NAMESPACE_END
