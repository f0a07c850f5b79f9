# Builds the Debian package from the build tree (as `make package` does) and reads it back with dpkg-deb: the
# binaries, the .desktop entry, the metainfo, the icon and the model are in it, and its dependencies are declared.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CPACK}" -G DEB --config "${BINARY_DIR}/CPackConfig.cmake" -B "${WORK_DIR}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "cpack failed:\n${output}")
endif()
file(GLOB debs "${WORK_DIR}/pare_*_*.deb")
list(LENGTH debs count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one pare_VERSION_ARCH.deb in ${WORK_DIR}, found: ${debs}")
endif()
execute_process(COMMAND dpkg-deb --contents "${debs}" OUTPUT_VARIABLE contents RESULT_VARIABLE result)
execute_process(COMMAND dpkg-deb --field "${debs}" Depends OUTPUT_VARIABLE depends)
execute_process(COMMAND dpkg-deb --field "${debs}" Recommends OUTPUT_VARIABLE recommends)
foreach(path ./usr/bin/pare ./usr/bin/pare-studio ./usr/share/applications/io.github.pare.Studio.desktop
             ./usr/share/metainfo/io.github.pare.Studio.metainfo.xml
             ./usr/share/icons/hicolor/256x256/apps/io.github.pare.Studio.png
             ./usr/share/icons/hicolor/scalable/apps/io.github.pare.Studio.svg
             ./usr/share/pare/models/lenet5-fashion-mnist.pt)
    string(FIND "${contents}" " ${path}\n" found)
    if(found EQUAL -1)
        message(FATAL_ERROR "${debs} lacks ${path}:\n${contents}")
    endif()
endforeach()
foreach(package libtorch1.13 libqt6widgets6 libqcustomplot2.1-qt6 libopencv-core406 qt6-qpa-plugins)
    string(FIND "${depends}" "${package}" found)
    if(found EQUAL -1)
        message(FATAL_ERROR "Depends lacks ${package}: ${depends}")
    endif()
endforeach()
foreach(package libopenblas0-pthread fonts-noto-cjk dataset-fashion-mnist)
    string(FIND "${recommends}" "${package}" found)
    if(found EQUAL -1)
        message(FATAL_ERROR "Recommends lacks ${package}: ${recommends}")
    endif()
endforeach()
message(STATUS "${debs}: contents and dependencies as expected")
