#!/bin/sh
# the build workload of workloads/build-portable: pagesim's own libraries (util, core, mm,
# policy; 29 compiles) built with ninja -j2 from a build dir cleaned before the capture
exec ninja -C /var/tmp/port-psbuild/build -j2 libps-util.a libps-core.a libps-mm.a libps-policy.a
