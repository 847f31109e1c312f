Validate the gallery of valid specs: every file passes, the summary comes last.

  $ cd "$TESTDIR/../samples"
  $ sentinel validate valid
  all 17 specs valid

A folder and a file can be mixed; each spec is counted once.

  $ sentinel validate valid valid/minimal.yaml
  all 17 specs valid

--json prints a machine-readable report on stdout instead.

  $ sentinel validate --json valid/minimal.yaml valid/custom-output.yaml
  {
    "counts": {
      "files": 2,
      "invalid": 0,
      "valid": 2,
      "warnings": 0
    },
    "files": [
      {
        "file": "valid/custom-output.yaml",
        "problems": [],
        "valid": true
      },
      {
        "file": "valid/minimal.yaml",
        "problems": [],
        "valid": true
      }
    ],
    "summary": "all 2 specs valid",
    "valid": true
  }

A path that does not exist is a usage error (exit 2), not a validation failure.

  $ sentinel validate valid/nope.yaml
  error: valid/nope.yaml: no such file or folder
    hint: check the path
  [2]
