//! Erlang/OTP reads every reply kind back with `binary_to_term/2` into the
//! expected term. Runs when `erl` is on PATH (CI installs erlang-nox); otherwise
//! prints a note and passes.

use std::process::Command;

use super::replies::samples;
use crate::term::encode;

#[test]
fn erlang_reads_every_reply_kind() {
    let samples = samples();
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from(
        "Check = fun(Name, Path, Want) -> \
           {ok, B} = file:read_file(Path), \
           Got = try binary_to_term(B, [used]) catch _:_ -> badarg end, \
           Ok = Got =:= {Want, byte_size(B)}, \
           io:format(\"~s ~p~n\", [Name, Ok]), \
           Ok orelse io:format(standard_error, \"~s got ~p~n\", [Name, Got]) \
         end, ",
    );
    for (i, (reply, want)) in samples.iter().enumerate() {
        let path = dir.path().join(format!("r{i}.bin"));
        std::fs::write(&path, encode(reply)).unwrap();
        let path = path
            .to_str()
            .unwrap()
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        script.push_str(&format!("Check(\"r{i}\", \"{path}\", {want}), "));
    }
    script.push_str("halt().");
    let out = match Command::new("erl")
        .args(["-noshell", "-eval", &script])
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("note: erl not on PATH, skipping the Erlang read-back check");
            return;
        }
        Err(e) => panic!("running erl: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "erl failed: {stderr}");
    let want: Vec<String> = (0..samples.len()).map(|i| format!("r{i} true")).collect();
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, want, "stderr: {stderr}");
}
