file(REMOVE_RECURSE
  "libretention_pure.a"
)
