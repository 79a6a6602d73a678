# Writes the timeline page template (an HTML file with inline script and style) into a header as one raw
# string literal, so mgm-sim carries it and needs no file at run time. Run by the build when the page changes.
#   cmake -DINPUT=timeline.html -DOUTPUT=timeline_template.h -P embed.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")MGMPAGE\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string's end marker )MGMPAGE\"")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from harness/timeline/timeline.html by embed.cmake; edit the .html.\n#pragma once\n\nnamespace mgm::harness::timeline {\ninline constexpr const char kTimelineTemplate[] = R\"MGMPAGE(${content})MGMPAGE\";\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
