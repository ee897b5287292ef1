/*
 * fuzz_qml_line - statistics file lines (as trafficloader parses them)
 * and file names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/traffic/qml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qml_row r;
	char	 name[32];
	int	 ymd;

	if (qml_parse_line((const char *)data, size, &r) &&
	    (r.namelen == 0 || r.name < (const char *)data ||
	    r.name + r.namelen > (const char *)data + size))
		abort();
	if (size < sizeof(name)) {
		memcpy(name, data, size);
		name[size] = '\0';
		(void)qml_name_date(name, &ymd);
	}
	return 0;
}
