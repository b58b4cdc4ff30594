# Turn extractor/model/offline_model.txt (written by train_request_model.py, beside it) into a
# C source file holding it as a byte array, so that the offline provider carries its model
# inside the binary. Run by add_custom_command.
#   cmake -DMODEL=.../offline_model.txt -DOUT=.../cs_offline_model.c -P embed_model.cmake
file(READ ${MODEL} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR size "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# One line of C per line of the model.
string(REPLACE "0x0a," "0x0a,\n" bytes "${bytes}")
set(body "/* Generated from extractor/model/offline_model.txt by embed_model.cmake: retrain with\n")
string(APPEND body "   extractor/model/train_request_model.py, do not edit this. */\n")
string(APPEND body "#include \"cs_offline.h\"\n\n")
string(APPEND body "const char cs_offline_model_text[] = {\n${bytes}0x00};\n")
string(APPEND body "const size_t cs_offline_model_size = ${size};\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
