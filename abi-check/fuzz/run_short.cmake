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
# Seeds for every reader: a shared library, a relocatable object (DWARF
# relocated by libdwfl), an executable, member offsets as DWARF 2 location
# expressions, and dwz's partial and imported units.
file(WRITE ${WORK}/seed2.c "struct s { int a; long b; };\nlong g(struct s *p) { return p->b; }\n")
foreach(seed
    "-g;-shared;-fPIC;-o;${WORK}/corpus/seed.so;${WORK}/seed.c"
    "-g;-c;-o;${WORK}/corpus/seed.o;${WORK}/seed.c"
    "-g;-gdwarf-2;-gstrict-dwarf;-shared;-fPIC;-o;${WORK}/corpus/seed-dwarf2.so;${WORK}/seed.c"
    "-g;-shared;-fPIC;-o;${WORK}/seed-dwz.so;${WORK}/seed.c;${WORK}/seed2.c")
  execute_process(COMMAND cc ${seed} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling a seed failed: cc ${seed}")
  endif()
endforeach()
file(WRITE ${WORK}/main.c "int api(int x) { return x; }\nint main(void) { return api(0); }\n")
execute_process(COMMAND cc -g -no-pie -o ${WORK}/corpus/seed-exe ${WORK}/main.c RESULT_VARIABLE rc)
find_program(DWZ dwz)
if(DWZ)
  execute_process(COMMAND ${DWZ} -o ${WORK}/corpus/seed-dwz.so ${WORK}/seed-dwz.so RESULT_VARIABLE rc)
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
