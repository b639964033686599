# The `abi_fuzz_short` test: builds the fuzz target with clang and fuzzes the
# reader for a while, seeded with a real library compiled here.
#   cmake -DSRC=<abi-check/fuzz> -DWORK=<folder> -DSECONDS=<n> -P run_short.cmake
find_program(CLANGXX NAMES clang++ clang++-14)
if(NOT CLANGXX)
  message(FATAL_ERROR "clang++ is needed for the fuzz target (scripts/install-deps.sh installs it)")
endif()
file(MAKE_DIRECTORY ${WORK}/corpus)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build -DCMAKE_CXX_COMPILER=${CLANGXX}
                        -DCMAKE_BUILD_TYPE=RelWithDebInfo
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the fuzz target failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build -j2 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the fuzz target failed")
endif()
file(WRITE ${WORK}/seed.c "struct s { int a; long b; };\nenum e { A, B };\nint f(struct s *p, enum e x) { return p->a + x; }\nint v[4];\n")
execute_process(COMMAND cc -g -shared -fPIC -o ${WORK}/corpus/seed.so ${WORK}/seed.c RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling the seed library failed")
endif()
execute_process(COMMAND ${WORK}/build/ltsabi_fuzz -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
                        -artifact_prefix=${WORK}/
                        -max_len=65536 ${WORK}/corpus
                RESULT_VARIABLE rc ERROR_VARIABLE log)
string(REGEX MATCH "Done [0-9]+ runs" done "${log}")
message(STATUS "fuzzing: ${done}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the fuzzer found a crash, a leak or a hang:\n${log}")
endif()
