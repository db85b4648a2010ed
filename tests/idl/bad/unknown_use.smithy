// expect: 4:5: error: unknown shape 'stratus.model#Nope'
$version: "2"
namespace test.bad
use stratus.model#Nope

