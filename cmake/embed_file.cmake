# Invoked by peakscope_embed: writes OUT, a C++ source holding IN's text as a char array.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n"
                  "namespace ${NS} {\n"
                  "extern const char ${NAME}[];\n"
                  "const char ${NAME}[] = {${bytes} 0x00};\n"
                  "}\n")
