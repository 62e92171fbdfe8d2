{
  "targets": [
    {
      "target_name": "virtkit",
      "sources": [
        "native/src/addon.cc",
        "native/src/pool.cc",
        "native/src/call.cc",
        "native/src/errors.cc",
        "native/src/convert.cc",
        "native/src/wrap.cc",
        "native/src/typed_params.cc",
        "native/src/events_loop.cc",
        "native/src/js_call.cc",
        "native/src/manual_connect.cc",
        "native/src/manual_domain.cc",
        "native/src/manual_node.cc",
        "native/src/manual_stats.cc",
        "native/src/manual_events.cc",
        "native/src/manual_stream.cc",
        "native/src/manual_arrays.cc",
        "native/src/manual_network.cc",
        "native/src/manual_secret.cc",
        "native/generated/connect.cc",
        "native/generated/domain.cc",
        "native/generated/domain_checkpoint.cc",
        "native/generated/domain_snapshot.cc",
        "native/generated/interface.cc",
        "native/generated/module.cc",
        "native/generated/network.cc",
        "native/generated/network_port.cc",
        "native/generated/node_device.cc",
        "native/generated/nwfilter.cc",
        "native/generated/nwfilter_binding.cc",
        "native/generated/secret.cc",
        "native/generated/storage_pool.cc",
        "native/generated/storage_vol.cc",
        "native/generated/tables.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wno-unused-function"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs libvirt libvirt-qemu libvirt-lxc)"],
      "cflags": ["<!@(pkg-config --cflags libvirt)"]
    }
  ]
}
