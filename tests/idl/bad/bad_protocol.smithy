// expect: 6:39: error: protocol expects "0" or "2"
$version: "2"
namespace test.bad
use stratus.model#wasmbus

@wasmbus(contractId: "x:y", protocol: "1")
service Svc {
    operations: []
}
