# Every user-visible string of ui/ must be translated: run lupdate over the sources into a copy of the .ts file and
# fail if any message is unfinished (new, changed, or never translated).
file(COPY_FILE "${TS_FILE}" "${WORK_DIR}/check.ts")
execute_process(COMMAND "${LUPDATE}" "${SOURCE_DIR}/src" "${SOURCE_DIR}/include" -ts "${WORK_DIR}/check.ts"
                        -locations none -no-obsolete
                RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "lupdate failed (${result})")
endif()
file(READ "${WORK_DIR}/check.ts" content)
string(REGEX MATCHALL "<source>[^<]*</source>[ \n\r\t]*<translation type=\"unfinished\"" unfinished "${content}")
list(LENGTH unfinished count)
if(count GREATER 0)
    message(FATAL_ERROR "${count} untranslated string(s) in ${TS_FILE}:\n${unfinished}")
endif()
message(STATUS "all strings translated")
