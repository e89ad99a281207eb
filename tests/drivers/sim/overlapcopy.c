/*
 * strcpy that copes with overlapping strings, preloaded (LD_PRELOAD) into a real NUT driver.
 *
 * NUT 2.8.0's gamatronic moves each SEC answer down its own buffer with
 * strcpy(buf, buf + 5), which C leaves undefined for overlapping strings. glibc's
 * vector strcpy (AVX2 here) then garbles answers of 33 characters or more, whenever the
 * buffer sits close enough to a page end, so what the real driver reads depends on the
 * size of its environment. With this library it copies as its source means (and as
 * the byte-wise strcpy of older C libraries did).
 */
#include <string.h>

__attribute__((visibility("default")))
char *strcpy(char *dest, const char *src)
{
	return memmove(dest, src, strlen(src) + 1);
}
