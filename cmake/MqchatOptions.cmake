# One place for compiler warnings, sanitizers and the core's purity rule.

# Warnings (and -Werror under CI) plus sanitizers for every target of ours.
function(mqchat_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wno-sign-conversion -Wimplicit-fallthrough)
  if(MQCHAT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(MQCHAT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# The core must stay pure: no terminal, MQTT, HTTP or socket code. The build
# refuses to configure when a core source includes one of those headers or the
# core target links anything but the JSON library.
function(mqchat_assert_pure_core target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  file(GLOB headers "${source_dir}/*.hpp" "${source_dir}/*.inc")
  set(forbidden_re "#[ \t]*include[ \t]*[<\"](mqtt/|MQTT|curl/|ncurses|curses|CLI/|httplib|sqlite3|sys/socket|netinet/|arpa/|netdb|poll\\.h|sys/epoll|mosquitto|term\\.h|termios)")
  foreach(src IN LISTS sources headers)
    if(NOT IS_ABSOLUTE "${src}")
      set(src "${source_dir}/${src}")
    endif()
    file(STRINGS "${src}" hits REGEX "${forbidden_re}")
    if(hits)
      message(FATAL_ERROR "core purity: ${src} includes an adapter header: ${hits}")
    endif()
  endforeach()
  get_target_property(links ${target} LINK_LIBRARIES)
  if(NOT links)
    set(links "")  # links nothing at all
  endif()
  foreach(lib IN LISTS links)
    if(NOT lib MATCHES "^(nlohmann_json::nlohmann_json)$")
      message(FATAL_ERROR "core purity: ${target} must not link ${lib}")
    endif()
  endforeach()
endfunction()
