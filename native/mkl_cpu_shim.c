/*
 * r1j's MKL CPU shim. MKL (linked statically into PyTorch's libtorch_cpu.so) asks
 * mkl_serv_intel_cpu_true() whether it runs on an Intel processor and, on any other vendor, takes
 * code paths that do not use AVX-512 even where the CPU has it. libtorch_cpu.so exports that symbol
 * and calls it through its PLT, so a definition loaded ahead of it (LD_PRELOAD, or a library made
 * global before libtorch_cpu.so loads) answers instead: "yes", and MKL dispatches on the CPU's
 * features alone. Only meant for x86-64 CPUs with AVX-512; the r1j launcher checks that.
 *
 * Build: gcc -shared -fPIC -O2 -o libr1j_mkl_shim.so mkl_cpu_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int mkl_serv_intel_cpu_true(void) {
    static int traced;
    if (!traced && getenv("R1J_MKL_SHIM_TRACE") != NULL) {
        traced = 1;
        fputs("r1j-mkl-shim: mkl_serv_intel_cpu_true answered 1\n", stderr);
    }
    return 1;
}

/*
 * Loaded with dlopen(RTLD_LOCAL) (the JVM's System.load), a library's symbols are invisible to
 * libraries loaded later. Re-opening itself with RTLD_NOLOAD | RTLD_GLOBAL adds it to the global
 * scope, which the dynamic linker searches before libtorch_cpu.so's own definitions.
 */
__attribute__((constructor)) static void r1j_mkl_shim_make_global(void) {
    Dl_info self;
    if (dladdr((void *) &mkl_serv_intel_cpu_true, &self) != 0 && self.dli_fname != NULL) {
        dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    }
}
