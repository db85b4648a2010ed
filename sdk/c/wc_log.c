/*
 * wc_log.c - Logging.WriteLog through wc_host_call (see wc_log.h). The
 * LogEntry is encoded by a writer on the arena; the host answers no bytes.
 */
#include "wc_log.h"

#include "wc_rt.h"

#include "core/banned.h"

/* The encoded entry is the text plus at most this much framing. */
#define ENTRY_OVERHEAD 32u

const char *wc_log_level_name(wc_log_level level)
{
	switch (level) {
	case WC_LOG_INFO:
		return "info";
	case WC_LOG_WARN:
		return "warn";
	case WC_LOG_ERROR:
		return "error";
	case WC_LOG_DEBUG:
		break;
	}
	return "debug";
}

int wc_log_n(wc_log_level level, const char *text, size_t len)
{
	mp_writer w;
	uint8_t *out;
	size_t out_len;

	if (len > SIZE_MAX - ENTRY_OVERHEAD)
		return 0;
	wc_writer_init(&w, len + ENTRY_OVERHEAD);
	mp_write_map(&w, 2);
	mp_write_cstr(&w, "level");
	mp_write_cstr(&w, wc_log_level_name(level));
	mp_write_cstr(&w, "text");
	mp_write_str(&w, text, len);
	if (mp_writer_status(&w) != 0)
		return 0;
	return wc_host_call("default", "wasmcloud:builtin:logging", "Logging.WriteLog", w.p, w.n,
	                    &out, &out_len);
}

int wc_log(wc_log_level level, const char *text)
{
	size_t n = 0;

	while (text[n])
		n++;
	return wc_log_n(level, text, n);
}

int wc_log_debug(const char *text)
{
	return wc_log(WC_LOG_DEBUG, text);
}

int wc_log_info(const char *text)
{
	return wc_log(WC_LOG_INFO, text);
}

int wc_log_warn(const char *text)
{
	return wc_log(WC_LOG_WARN, text);
}

int wc_log_error(const char *text)
{
	return wc_log(WC_LOG_ERROR, text);
}
