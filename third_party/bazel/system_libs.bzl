"""System libraries (Debian's -dev packages) as cc_library targets.

Each library's link and define flags come from pkg-config at fetch time, so
Bazel builds offline against the same libraries as CMake. Headers are under
/usr/include, which the compiler searches already.
"""

def _flags(ctx, modules, which):
    result = ctx.execute(["pkg-config", which] + modules)
    if result.return_code != 0:
        fail("pkg-config %s %s failed: %s" % (which, modules, result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_libs_impl(ctx):
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in ctx.attr.libs.items():
        modules = [m for m in spec.split(" ") if m and not m.startswith("-")]
        extra = [m for m in spec.split(" ") if m.startswith("-")]
        linkopts = extra
        defines = []
        if modules:
            linkopts = _flags(ctx, modules, "--libs") + extra
            for flag in _flags(ctx, modules, "--cflags"):
                if flag.startswith("-D"):
                    defines.append(flag[2:])
        lines.append("cc_library(name = %r, linkopts = %r, defines = %r)" %
                     (name, linkopts, defines))
    ctx.file("BUILD.bazel", "\n".join(lines) + "\n")
    ctx.file("WORKSPACE", "workspace(name = %r)\n" % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        # target name -> "pkg-config modules and/or raw -l flags"
        "libs": attr.string_dict(mandatory = True),
    },
    local = True,
)
