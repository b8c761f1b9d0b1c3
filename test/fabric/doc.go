// Package fabric holds the Fabric anchoring test (build tag fabric, run by
// `make test-fabric`) and the scripts it drives: build.sh builds Fabric at
// the version pinned in tools/go.mod, net-up.sh starts one orderer and one
// peer as plain processes on 127.0.0.1, cc-deploy.sh deploys the anchor
// chaincode as a service, net-stop.sh / net-start.sh stop and restart them.
// `make bench-fabric` (cmd/sealbench fabric) runs the same scripts with the
// evidence chaincode of evidencecc (CC_BIN) and its own block cutting.
package fabric
