/*
 * tiny_provider.c - a third-party provider built against the installed SDK
 * (pkg-config stratus-provider) by tests/e2e/sdk_install.sh: contract
 * test:tiny, operation Tiny.Reverse answers its payload reversed, and it
 * counts its links in the health message.
 */
#include <stdio.h>
#include <string.h>

#include <sdk/provider.h>

static char health_text[64];

static bool put_link(prov_provider *p, const linkdef *ld, void *ud)
{
	(void)ud;
	fprintf(stdout, "tiny: linked to %s\n", ld->actor_id);
	fflush(stdout);
	snprintf(health_text, sizeof(health_text), "%zu link(s)", prov_provider_nlinks(p) + 1);
	return true;
}

static void health(prov_provider *p, bool *healthy, const char **message, void *ud)
{
	(void)p;
	(void)ud;
	*healthy = true;
	*message = health_text[0] ? health_text : "no links";
}

static int invoke(prov_provider *p, const char *actor_id, const char *operation, st_slice msg,
                  st_buf *out, st_err *err, void *ud)
{
	(void)p;
	(void)actor_id;
	(void)ud;
	if (strcmp(operation, "Tiny.Reverse") != 0)
		return st_err_set(err, ST_ENOSYS, "no such operation %s", operation);
	for (size_t i = msg.n; i > 0; i--)
		if (st_buf_append(out, &msg.p[i - 1], 1) != 0)
			return st_err_set(err, ST_ETOOBIG, "too big");
	return 0;
}

int main(void)
{
	prov_callbacks cb = { 0 };
	uv_loop_t loop;

	cb.put_link = put_link;
	cb.health = health;
	cb.invoke = invoke;
	uv_loop_init(&loop);
	return prov_main("tiny", &loop, &cb, NULL, NULL);
}
