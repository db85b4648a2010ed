/*
 * test_lattice_config.c - host configuration from the environment
 * (src/lattice/config.h): defaults, every variable of lattice.md §2.4,
 * identity keys and issuers, labels, friendly names, host_config.json.
 */
#include "test.h"

#include <jansson.h>

#include "core/mem.h"
#include "lattice/config.h"
#include "core/banned.h"

#define HOST "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"
#define HOST_SEED "SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U"
#define CLUSTER "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J"
#define CLUSTER_SEED "SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q"
#define ACCOUNT "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"

#define EXPECT_JSON(want, got) expect_json_(__FILE__, __LINE__, (want), (got))

/* Checks that got (taken) equals the JSON text want, printing both if not. */
static void expect_json_(const char *file, int line, const char *want, json_t *got)
{
	json_error_t jerr;
	json_t *w = json_loads(want, 0, &jerr);
	char *gs = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (!w) {
		fprintf(stderr, "  %s:%d: bad expected JSON: %s\n", file, line, jerr.text);
		test_failed_++;
	} else if (!got || !json_equal(w, got)) {
		char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);

		fprintf(stderr, "  %s:%d: JSON differs\n    want %s\n    got  %s\n", file, line, ws,
		        gs ? gs : "(null)");
		free(ws);
		test_failed_++;
	}
	free(gs);
	json_decref(w);
	json_decref(got);
}

/* Loads env (NULL-terminated) into c, expecting success. */
static void load_ok(lat_config *c, const char *const *env)
{
	st_err e;

	st_err_clear(&e);
	lat_config_init(c);
	if (lat_config_load(c, env, &e) != 0)
		TEST_FAIL_("lat_config_load: %s", e.msg);
}

/* Loads env, expecting code and a message containing needle. */
static void load_fails(const char *const *env, int code, const char *needle)
{
	lat_config c;
	st_err e;
	int rc;

	st_err_clear(&e);
	lat_config_init(&c);
	rc = lat_config_load(&c, env, &e);
	if (rc != code)
		TEST_FAIL_("%s: want %d, got %d (%s)", env[0], code, rc, e.msg);
	else if (!strstr(e.msg, needle))
		TEST_FAIL_("%s: message \"%s\" lacks \"%s\"", env[0], e.msg, needle);
	/* Left empty on failure. */
	if (c.lattice_prefix || c.cluster_issuers || c.labels.n)
		TEST_FAIL_("%s: config not left empty", env[0]);
	lat_config_deinit(&c);
}

static bool friendly_shape_ok(const char *s)
{
	const char *d1 = s ? strchr(s, '-') : NULL, *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	long n = 0;

	if (!d1 || !d2 || d1 == s || d2 == d1 + 1 || !d2[1] || strchr(d2 + 1, '-'))
		return false;
	for (const char *p = s; p < d2; p++)
		if (p != d1 && !(*p >= 'a' && *p <= 'z'))
			return false;
	for (const char *p = d2 + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (*p - '0');
	}
	return n >= 1 && n <= 9999 && d2[1] != '0';
}

TEST(defaults_from_an_empty_environment)
{
	static const char *const env[] = { NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR("default", c.lattice_prefix);
	EXPECT_STR("wasmbus.ctl", c.ctl_topic_prefix);
	EXPECT_TRUE(c.js_domain == NULL);
	EXPECT_STR("127.0.0.1", c.ctl.host);
	EXPECT_EQ(4222, c.ctl.port);
	EXPECT_STR("", c.ctl.seed);
	EXPECT_STR("", c.ctl.jwt);
	EXPECT_TRUE(!c.ctl.tls);
	EXPECT_STR("127.0.0.1", c.rpc.host);
	EXPECT_EQ(4222, c.rpc.port);
	EXPECT_STR("127.0.0.1", c.prov_rpc.host);
	EXPECT_EQ(4222, c.prov_rpc.port);
	EXPECT_EQ(0, c.prov_rpc.tls_raw);
	EXPECT_EQ(2000, c.rpc_timeout_ms);
	EXPECT_EQ(400, c.prov_shutdown_delay_ms);
	EXPECT_EQ(1000, c.policy_timeout_ms);
	EXPECT_TRUE(c.policy_topic == NULL && c.policy_changes_topic == NULL);
	EXPECT_TRUE(!c.oci_allow_latest && !c.allow_file_load && !c.config_service);
	EXPECT_TRUE(!c.enable_ipv6 && !c.structured_logging);
	EXPECT_EQ(0, c.noci_allowed_insecure);
	EXPECT_STR("info", c.log_level);
	EXPECT_TRUE(c.host_config_path == NULL); /* no HOME */
	EXPECT_TRUE(friendly_shape_ok(c.friendly_name));
	lat_config_deinit(&c);
}

TEST(keys_are_generated_when_absent)
{
	static const char *const env[] = { NULL };
	lat_config a, b;

	load_ok(&a, env);
	load_ok(&b, env);
	EXPECT_TRUE(a.host_key_generated && a.cluster_key_generated);
	EXPECT_EQ(NKEY_PUBLIC_LEN, strlen(a.host_id));
	EXPECT_EQ('N', a.host_id[0]);
	EXPECT_EQ('C', a.cluster_id[0]);
	EXPECT_TRUE(a.host_key.has_seed && a.cluster_key.has_seed);
	EXPECT_EQ(NKEY_SERVER, a.host_key.type);
	EXPECT_EQ(NKEY_CLUSTER, a.cluster_key.type);
	EXPECT_TRUE(strcmp(a.host_id, b.host_id) != 0);
	EXPECT_TRUE(strcmp(a.cluster_id, b.cluster_id) != 0);
	/* Issuers = the own cluster key. */
	EXPECT_EQ(1, a.ncluster_issuers);
	EXPECT_STR(a.cluster_id, a.cluster_issuers[0]);
	lat_config_deinit(&a);
	lat_config_deinit(&b);
}

TEST(seeds_from_the_environment_give_the_spec_keys)
{
	static const char *const env[] = { "WASMCLOUD_HOST_SEED=" HOST_SEED,
		                           "WASMCLOUD_CLUSTER_SEED=" CLUSTER_SEED, NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR(HOST, c.host_id);
	EXPECT_STR(CLUSTER, c.cluster_id);
	EXPECT_TRUE(!c.host_key_generated && !c.cluster_key_generated);
	EXPECT_EQ(1, c.ncluster_issuers);
	EXPECT_STR(CLUSTER, c.cluster_issuers[0]);
	lat_config_deinit(&c);
}

TEST(cluster_issuers_get_the_own_key_prepended_once)
{
	char other[NKEY_PUBLIC_LEN + 1], list1[256], list2[256];
	const char *env[3] = { "WASMCLOUD_CLUSTER_SEED=" CLUSTER_SEED, list1, NULL };
	lat_config c;
	nkey k;

	/* Another cluster key, given with spaces and an empty entry. */
	EXPECT_EQ(0, nkey_generate(&k, NKEY_CLUSTER, NULL));
	nkey_public_text(&k, other);
	snprintf(list1, sizeof(list1), "WASMCLOUD_CLUSTER_ISSUERS= %s , ", other);
	load_ok(&c, env);
	EXPECT_EQ(2, c.ncluster_issuers);
	if (c.ncluster_issuers == 2) {
		EXPECT_STR(CLUSTER, c.cluster_issuers[0]);
		EXPECT_STR(other, c.cluster_issuers[1]);
	}
	lat_config_deinit(&c);

	/* Already listed: kept where it is, not added twice. */
	snprintf(list2, sizeof(list2), "WASMCLOUD_CLUSTER_ISSUERS=%s,%s", other, CLUSTER);
	env[1] = list2;
	load_ok(&c, env);
	EXPECT_EQ(2, c.ncluster_issuers);
	if (c.ncluster_issuers == 2) {
		EXPECT_STR(other, c.cluster_issuers[0]);
		EXPECT_STR(CLUSTER, c.cluster_issuers[1]);
	}
	lat_config_deinit(&c);
}

TEST(bad_seeds_and_issuers_are_clear_errors)
{
	static const char *const garbage[] = { "WASMCLOUD_HOST_SEED=SNnotaseed", NULL };
	static const char *const crc[] = {
		"WASMCLOUD_HOST_SEED=SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5A",
		NULL
	};
	static const char *const wrong_type[] = { "WASMCLOUD_HOST_SEED=" CLUSTER_SEED, NULL };
	static const char *const cluster_wrong[] = { "WASMCLOUD_CLUSTER_SEED=" HOST_SEED, NULL };
	static const char *const public_as_seed[] = { "WASMCLOUD_CLUSTER_SEED=" CLUSTER, NULL };
	static const char *const issuer_bad[] = { "WASMCLOUD_CLUSTER_ISSUERS=" CLUSTER ",Cnope",
		                                  NULL };
	static const char *const issuer_type[] = { "WASMCLOUD_CLUSTER_ISSUERS=" ACCOUNT, NULL };

	load_fails(garbage, ST_EMALFORMED, "WASMCLOUD_HOST_SEED");
	load_fails(crc, ST_EMALFORMED, "WASMCLOUD_HOST_SEED");
	load_fails(wrong_type, ST_EINVALID, "WASMCLOUD_HOST_SEED");
	load_fails(cluster_wrong, ST_EINVALID, "WASMCLOUD_CLUSTER_SEED");
	load_fails(public_as_seed, ST_EMALFORMED, "WASMCLOUD_CLUSTER_SEED");
	load_fails(issuer_bad, ST_EMALFORMED, "WASMCLOUD_CLUSTER_ISSUERS: entry 2");
	load_fails(issuer_type, ST_EINVALID, "WASMCLOUD_CLUSTER_ISSUERS: entry 1");
}

TEST(every_wire_variable_is_read)
{
	static const char *const env[] = {
		"WASMCLOUD_LATTICE_PREFIX=lat1",
		"WASMCLOUD_CTL_TOPIC_PREFIX=my.ctl",
		"WASMCLOUD_RPC_HOST=10.0.0.1",
		"WASMCLOUD_RPC_PORT=4333",
		"WASMCLOUD_RPC_SEED=SUxxx",
		"WASMCLOUD_RPC_JWT=eyJrpc",
		"WASMCLOUD_RPC_TLS=yes",
		"WASMCLOUD_CTL_HOST=10.0.0.2",
		"WASMCLOUD_CTL_PORT=4444",
		"WASMCLOUD_CTL_SEED=SUyyy",
		"WASMCLOUD_CTL_JWT=eyJctl",
		"WASMCLOUD_CTL_TLS=0",
		"WASMCLOUD_PROV_RPC_HOST=10.0.0.3",
		"WASMCLOUD_PROV_RPC_PORT=4555",
		"WASMCLOUD_PROV_RPC_SEED=SUzzz",
		"WASMCLOUD_PROV_RPC_JWT=eyJprov",
		"WASMCLOUD_PROV_RPC_TLS=1",
		"WASMCLOUD_RPC_TIMEOUT_MS=5000",
		"WASMCLOUD_PROV_SHUTDOWN_DELAY_MS=300",
		"WASMCLOUD_OCI_ALLOW_LATEST=True",
		"WASMCLOUD_OCI_ALLOWED_INSECURE=localhost:5000, 127.0.0.1:5001",
		"WASMCLOUD_JS_DOMAIN=hub",
		"WASMCLOUD_CONFIG_SERVICE=enabled",
		"WASMCLOUD_POLICY_TOPIC=wasmcloud.policy",
		"WASMCLOUD_POLICY_CHANGES_TOPIC=wasmcloud.policy.changes",
		"WASMCLOUD_POLICY_TIMEOUT=250",
		"WASMCLOUD_ALLOW_FILE_LOAD=y",
		"WASMCLOUD_STRUCTURED_LOGGING_ENABLED=TRUE",
		"WASMCLOUD_LOG_LEVEL=debug",
		"WASMCLOUD_ENABLE_IPV6=1",
		"HOME=/home/u",
		NULL,
	};
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR("lat1", c.lattice_prefix);
	EXPECT_STR("my.ctl", c.ctl_topic_prefix);
	EXPECT_STR("10.0.0.1", c.rpc.host);
	EXPECT_EQ(4333, c.rpc.port);
	EXPECT_STR("SUxxx", c.rpc.seed);
	EXPECT_STR("eyJrpc", c.rpc.jwt);
	EXPECT_TRUE(c.rpc.tls);
	EXPECT_STR("10.0.0.2", c.ctl.host);
	EXPECT_EQ(4444, c.ctl.port);
	EXPECT_STR("SUyyy", c.ctl.seed);
	EXPECT_STR("eyJctl", c.ctl.jwt);
	EXPECT_TRUE(!c.ctl.tls);
	EXPECT_STR("10.0.0.3", c.prov_rpc.host);
	EXPECT_EQ(4555, c.prov_rpc.port);
	EXPECT_STR("SUzzz", c.prov_rpc.seed);
	EXPECT_STR("eyJprov", c.prov_rpc.jwt);
	EXPECT_EQ(1, c.prov_rpc.tls_raw);
	EXPECT_EQ(5000, c.rpc_timeout_ms);
	EXPECT_EQ(300, c.prov_shutdown_delay_ms);
	EXPECT_TRUE(c.oci_allow_latest);
	EXPECT_EQ(2, c.noci_allowed_insecure);
	if (c.noci_allowed_insecure == 2) {
		EXPECT_STR("localhost:5000", c.oci_allowed_insecure[0]);
		EXPECT_STR("127.0.0.1:5001", c.oci_allowed_insecure[1]);
	}
	EXPECT_STR("hub", c.js_domain);
	EXPECT_TRUE(c.config_service);
	EXPECT_STR("wasmcloud.policy", c.policy_topic);
	EXPECT_STR("wasmcloud.policy.changes", c.policy_changes_topic);
	EXPECT_EQ(250, c.policy_timeout_ms);
	EXPECT_TRUE(c.allow_file_load);
	EXPECT_TRUE(c.structured_logging);
	EXPECT_STR("debug", c.log_level);
	EXPECT_TRUE(c.enable_ipv6);
	EXPECT_STR("/home/u/.wash/host_config.json", c.host_config_path);
	lat_config_deinit(&c);
}

TEST(log_level_falls_back_to_the_deprecated_name)
{
	static const char *const env[] = { "WASMCLOUD_STRUCTURED_LOG_LEVEL=warn", NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR("warn", c.log_level);
	lat_config_deinit(&c);
}

TEST(host_config_variable_overrides_the_home_path)
{
	static const char *const env[] = { "HOME=/home/u/", "HOST_CONFIG=/etc/hc.json", NULL };
	static const char *const env2[] = { "HOME=/home/u/", NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR("/etc/hc.json", c.host_config_path);
	lat_config_deinit(&c);
	load_ok(&c, env2);
	EXPECT_STR("/home/u/.wash/host_config.json", c.host_config_path);
	lat_config_deinit(&c);
}

TEST(bad_numbers_and_prefixes_name_the_variable)
{
	static const struct {
		const char *var;
		int code;
	} cases[] = {
		{ "WASMCLOUD_RPC_PORT=abc", ST_EMALFORMED },
		{ "WASMCLOUD_RPC_PORT=70000", ST_EINVALID },
		{ "WASMCLOUD_CTL_PORT=0", ST_EINVALID },
		{ "WASMCLOUD_CTL_PORT=42x", ST_EMALFORMED },
		{ "WASMCLOUD_PROV_RPC_PORT=-1", ST_EINVALID },
		{ "WASMCLOUD_RPC_TIMEOUT_MS=0", ST_EINVALID },
		{ "WASMCLOUD_RPC_TIMEOUT_MS=99999999999", ST_EINVALID },
		{ "WASMCLOUD_PROV_SHUTDOWN_DELAY_MS=soon", ST_EMALFORMED },
		{ "WASMCLOUD_POLICY_TIMEOUT=1.5", ST_EMALFORMED },
		{ "WASMCLOUD_PROV_RPC_TLS=yes", ST_EMALFORMED },
		{ "WASMCLOUD_LATTICE_PREFIX=a.b", ST_EINVALID },
		{ "WASMCLOUD_LATTICE_PREFIX=a b", ST_EINVALID },
		{ "WASMCLOUD_LATTICE_PREFIX=*", ST_EINVALID },
		{ "WASMCLOUD_CTL_TOPIC_PREFIX=wasmbus..ctl", ST_EINVALID },
		{ "WASMCLOUD_CTL_TOPIC_PREFIX=wasmbus.>", ST_EINVALID },
		{ "WASMCLOUD_JS_DOMAIN=a.b", ST_EINVALID },
		{ "WASMCLOUD_POLICY_TOPIC=pol.*", ST_EINVALID },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[2] = { cases[i].var, NULL };
		char name[64];
		const char *eq = strchr(cases[i].var, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - cases[i].var), cases[i].var);
		load_fails(env, cases[i].code, name);
	}
}

TEST(empty_values_count_as_unset)
{
	static const char *const env[] = { "WASMCLOUD_LATTICE_PREFIX=", "WASMCLOUD_RPC_PORT=",
		                           "WASMCLOUD_HOST_SEED=", NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_STR("default", c.lattice_prefix);
	EXPECT_EQ(4222, c.rpc.port);
	EXPECT_TRUE(c.host_key_generated);
	lat_config_deinit(&c);
}

TEST(booleans_follow_the_host_spellings)
{
	static const char *const yes[] = { "1", "true", "TRUE", "Yes", "y", "Enabled", "enable" };
	static const char *const no[] = { "0", "false", "no", "on", "", "truthy", "2" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!lat_config_parse_bool(yes[i]))
			TEST_FAIL_("\"%s\" should be true", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (lat_config_parse_bool(no[i]))
			TEST_FAIL_("\"%s\" should be false", no[i]);
	EXPECT_TRUE(!lat_config_parse_bool(NULL));
}

TEST(host_labels_are_lower_cased_and_builtins_win)
{
	static const char *const env[] = { "HOST_REGION=us-east",    "HOST_Zone=b",
		                           "HOST_HOSTCORE.OS=plan9", "HOST_=ignored",
		                           "NOT_HOST_X=1",           NULL };
	lat_config c;
	ctl_strmap builtin;

	load_ok(&c, env);
	EXPECT_STR("us-east", ctl_strmap_get(&c.labels, "region"));
	EXPECT_STR("b", ctl_strmap_get(&c.labels, "zone"));
	EXPECT_TRUE(ctl_strmap_get(&c.labels, "x") == NULL);
	EXPECT_TRUE(ctl_strmap_get(&c.labels, "") == NULL);
	ctl_strmap_init(&builtin);
	lat_config_builtin_labels(&builtin);
	EXPECT_EQ(3, builtin.n);
	EXPECT_STR(ctl_strmap_get(&builtin, "hostcore.os"),
	           ctl_strmap_get(&c.labels, "hostcore.os"));
	EXPECT_TRUE(ctl_strmap_contains_all(&c.labels, &builtin));
	EXPECT_EQ(5, c.labels.n);
#if defined(__linux__) && defined(__x86_64__)
	EXPECT_STR("x86_64", ctl_strmap_get(&builtin, "hostcore.arch"));
	EXPECT_STR("linux", ctl_strmap_get(&builtin, "hostcore.os"));
	EXPECT_STR("unix", ctl_strmap_get(&builtin, "hostcore.osfamily"));
#endif
	ctl_strmap_deinit(&builtin);
	lat_config_deinit(&c);
}

TEST(labels_reject_invalid_utf8)
{
	static const char *const env[] = { "HOST_BAD=\xff\xfe", NULL };

	load_fails(env, ST_EMALFORMED, "HOST_BAD");
}

TEST(friendly_names_are_adjective_noun_number)
{
	char *a = lat_config_friendly_name_from(0, 0, 0);
	char *b = lat_config_friendly_name_from(7, 9, 9998);
	char *c = lat_config_friendly_name_from(7, 9, 9999);

	EXPECT_TRUE(friendly_shape_ok(a));
	EXPECT_STR("-1", strrchr(a, '-'));
	EXPECT_STR("-9999", strrchr(b, '-'));
	EXPECT_STR("-1", strrchr(c, '-'));
	st_free(a);
	st_free(b);
	st_free(c);
	for (int i = 0; i < 200; i++) {
		char *n = lat_config_friendly_name();

		if (!friendly_shape_ok(n))
			TEST_FAIL_("bad friendly name \"%s\"", n);
		st_free(n);
	}
}

TEST(host_config_json_matches_step_0_3)
{
	static const char *const env[] = { "WASMCLOUD_HOST_SEED=" HOST_SEED,
		                           "WASMCLOUD_CLUSTER_SEED=" CLUSTER_SEED, NULL };
	lat_config c;

	load_ok(&c, env);
	EXPECT_JSON("{\"cluster_seed\":\"" CLUSTER_SEED "\",\"lattice_prefix\":\"default\","
	            "\"ctl_host\":\"127.0.0.1\",\"ctl_port\":4222,\"ctl_jwt\":\"\",\"ctl_seed\":"
	            "\"\",\"rpc_host\":\"127.0.0.1\",\"rpc_port\":4222,\"rpc_jwt\":\"\","
	            "\"rpc_seed\":\"\",\"js_domain\":null}",
	            lat_config_host_json(&c));
	lat_config_deinit(&c);
}

TEST(ping_reply_from_config_matches_step_1)
{
	static const char *const env[] = { "WASMCLOUD_HOST_SEED=" HOST_SEED,
		                           "WASMCLOUD_CLUSTER_SEED=" CLUSTER_SEED, NULL };
	lat_config c;
	ctl_host_info h;
	json_t *r;

	load_ok(&c, env);
	st_free(c.friendly_name);
	c.friendly_name = xstrdup("misty-river-4312");
	lat_config_host_info(&c, 42, "0.63.2", &h);
	r = ctl_ping_reply(&h);
#if defined(__linux__) && defined(__x86_64__)
	EXPECT_JSON(
		"{\"id\":\"" HOST "\",\"issuer\":\"" CLUSTER "\",\"labels\":{\"hostcore.arch\":"
		"\"x86_64\",\"hostcore.os\":\"linux\",\"hostcore.osfamily\":\"unix\"},"
		"\"friendly_name\":\"misty-river-4312\",\"uptime_seconds\":42,"
		"\"uptime_human\":\"42 seconds\",\"version\":\"0.63.2\",\"cluster_issuers\":\"" CLUSTER
		"\",\"js_domain\":null,\"ctl_host\":\"127.0.0.1\",\"prov_rpc_host\":"
		"\"127.0.0.1\",\"rpc_host\":\"127.0.0.1\",\"lattice_prefix\":\"default\"}",
		r);
#else
	json_decref(r);
#endif
	lat_config_deinit(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
