# The SQLite extension of the bag importer (satchel_csv.c), built by node-gyp as better-sqlite3 is.
# It uses only SQLite's extension API (sqlite3ext.h, taken from better-sqlite3's copy of SQLite), so
# SQLite loads it with sqlite3_load_extension; Node never loads it as an addon.
{
  'targets': [
    {
      'target_name': 'satchel_csv',
      'type': 'loadable_module',
      'sources': ['satchel_csv.c'],
      'include_dirs': [
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')\")",
      ],
      'cflags': ['-std=c99', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'xcode_settings': { 'OTHER_CFLAGS': ['-std=c99', '-Wall'] },
    },
  ],
}
