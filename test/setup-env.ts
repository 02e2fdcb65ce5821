// The SDK warns once per process that its 2027 releases need Node 22; on Node 20 that fills test output with noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
