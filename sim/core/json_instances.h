// Build time only: the nlohmann::json parser and serializer templates are compiled once, in
// json_instances.cpp, instead of in every translation unit that calls json::parse or dump().
#pragma once

// Every translation unit of the libraries and tests sees this header through the precompiled header
// (MGM_PCH in the top CMakeLists.txt). Without it a unit simply instantiates these templates itself, as
// before: the generated code is the same either way. At -O2 these instantiations are a large part of the
// machine code and compile time of every unit that parses or dumps JSON (docs/BENCHMARKS.md §5).

#include <string>

#include <nlohmann/json.hpp>

// The specializations (class template, arguments), listed once for the declarations below and the
// definitions in json_instances.cpp. Only the ones that many units instantiate: the instantiation unit
// compiles every member of each, used or not (the ordered_json parser, used by 3 units, cost more there
// than it saved). The parser types are what json::parse(std::string) builds.
#define MGM_JSON_INSTANCES(X)                                                           \
    X(detail::serializer<json>)                                                         \
    X(detail::serializer<ordered_json>)                                                 \
    X(detail::json_sax_dom_parser<json>)                                                \
    X(detail::json_sax_dom_callback_parser<json>)                                       \
    X(detail::lexer<json, detail::iterator_input_adapter<std::string::const_iterator>>) \
    X(detail::parser<json, detail::iterator_input_adapter<std::string::const_iterator>>)

#define MGM_JSON_EXTERN_INSTANCE(...) extern template class __VA_ARGS__;

NLOHMANN_JSON_NAMESPACE_BEGIN
MGM_JSON_INSTANCES(MGM_JSON_EXTERN_INSTANCE)
NLOHMANN_JSON_NAMESPACE_END
