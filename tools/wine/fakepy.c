/* Stands in for py.exe, python.exe and surveytool.exe under wine, to check the .bat files:
   logs its arguments (as the C runtime splits them, UTF-8) to C:\fakepy.log; "-m venv DIR"
   makes DIR\Scripts\python.exe and surveytool.exe (copies of itself); exits 0. */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>
int wmain(int argc, wchar_t **argv) {
    FILE *f = _wfopen(L"C:\\fakepy.log", L"ab");
    for (int i = 0; i < argc; i++) {
        char buf[8192];
        WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, buf, sizeof buf, NULL, NULL);
        fprintf(f, "[%s]", buf);
    }
    fprintf(f, "\n");
    fclose(f);
    for (int i = 1; i + 2 < argc; i++) {
        if (wcscmp(argv[i], L"-m") || wcscmp(argv[i + 1], L"venv")) continue;
        wchar_t dir[4096], self[4096], t[4096];
        swprintf(dir, 4096, L"%ls\\Scripts", argv[i + 2]);
        CreateDirectoryW(argv[i + 2], NULL);
        CreateDirectoryW(dir, NULL);
        GetModuleFileNameW(NULL, self, 4096);
        swprintf(t, 4096, L"%ls\\python.exe", dir);
        CopyFileW(self, t, FALSE);
        swprintf(t, 4096, L"%ls\\surveytool.exe", dir);
        CopyFileW(self, t, FALSE);
    }
    return 0;
}
