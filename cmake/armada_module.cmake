# armada_module(NAME <name> SOURCES <files...> DEPS <targets...>)
# Declares the library armada_<name>, aliased armada::<name>, with its public headers in
# <dir>/include, and installs it into the armada CMake package.
function(armada_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target armada_${M_NAME})
  if(M_SOURCES)
    add_library(${target} ${M_SOURCES})
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${target} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS} $<BUILD_INTERFACE:armada_warnings>)
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${M_NAME} POSITION_INDEPENDENT_CODE ON)
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${target} INTERFACE ${M_DEPS})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${M_NAME})
  endif()
  add_library(armada::${M_NAME} ALIAS ${target})
  install(TARGETS ${target} EXPORT armadaTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
