/*
 * ponger.c - the ponger example: serves Pingpong.Ping (an actor-to-actor
 * interface, no contract) with "pong". Signed with the call alias
 * wasmcloud/ponger, the alias wasmCloud's pinger example calls.
 */
#include "gen/wc_pingpong.h"
#include "wasmbus.h"
#include "wc_str.h"

static int ping(wc_str *out, wc_str *err)
{
	(void)err;
	*out = wc_str_from("pong");
	return 0;
}

WC_PINGPONG_PING_WASMBUS(ping)

const wasmbus_op wasmbus_ops[] = {
	WC_PINGPONG_PING_ENTRY,
	{ NULL, NULL },
};
