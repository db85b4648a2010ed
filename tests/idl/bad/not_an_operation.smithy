// expect: 8:18: error: 'Thing' is not an operation
$version: "2"
namespace test.bad
use stratus.model#wasmbus

@wasmbus(providerReceive: true)
service Svc {
    operations: [Thing]
}

structure Thing {}
