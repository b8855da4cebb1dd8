{
  "targets": [
    {
      "target_name": "shm",
      "sources": ["native/shm.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-lrt", "-lpthread"]
    }
  ]
}
