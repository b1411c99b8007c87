#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%% Makes the ETF test vectors beside this file with Erlang/OTP's own encoder.
%%
%% Run: escript src/term/vectors/make_vectors.escript
%% Each vector is written as <name>.bin. Most are term_to_binary/2 output with an
%% explicit minor_version, so regenerating on any OTP gives the same atom tags:
%% {minor_version,1} writes Latin-1 atoms as ATOM_EXT (100), {minor_version,2}
%% writes SMALL_ATOM_UTF8_EXT (119). OTP never writes SMALL_ATOM_EXT (115) or,
%% for short names, ATOM_UTF8_EXT (118), and never writes a charlist of small
%% integers as LIST_EXT, so those vectors are built by hand with enc/2 below and
%% each is checked here with binary_to_term/1 before it is written.
%% The Rust tests (src/term/tests/vectors.rs) state the request each must decode to.

main(_) ->
    Dir = filename:dirname(escript:script_name()),
    M1 = [{minor_version, 1}],
    M2 = [{minor_version, 2}],
    Full = {'Auth', <<"tok-15">>, <<"NEXUS1">>, 42, <<"+380001122">>,
            <<"emqttd_reg_abc">>, verify, <<"123456">>, 3, [jwt],
            <<"fcm-token">>, <<"héllo"/utf8>>, web, 1700000000000,
            <<"1700000000123">>},
    Reg12 = {'Auth', [], [], [], <<" +380001122 ">>, [], reg, [], [], [jwt], [], []},
    Vectors = [
        %% Every Auth arity, OTP encoding with ATOM_EXT (100) atoms.
        {"auth_10_reg", otp({'Auth', [], [], [], <<"380001122">>, [], reg, [], [], []}, M1)},
        {"auth_11_voice", otp({'Auth', <<"tok-11">>, [], [], [], [], voice, [], [], [ua], []}, M1)},
        {"auth_12_reg_jwt", otp(Reg12, M1)},
        {"auth_13_push", otp({'Auth', <<"tok-13">>, [], [], [], [], push, [], [], [],
                              <<"apns-token">>, [], ios}, M1)},
        {"auth_14_login", otp({'Auth', <<"tok-14">>, <<"APPLE1">>, <<"emqttd_1">>,
                               <<"380001122">>, [], login, [], [], [], [], <<"note">>,
                               android, 1700000000000}, M1)},
        {"auth_15_verify", otp(Full, M1)},
        %% Atom encodings: 119 and OTP's own default, then hand-made 115, 118, 100.
        {"auth_15_atoms_119", otp(Full, M2)},
        {"auth_12_otp_default", otp(Reg12, [])},
        {"auth_atoms_115", hand(setelement(10, Full, [jwt, 'café']), 115)},
        {"auth_atoms_118", hand(setelement(10, Full, [jwt, 'сервіс']), 118)},
        {"auth_atoms_100", hand(setelement(10, Full, [jwt, 'café']), 100)},
        %% Text as charlists: STRING_EXT, LIST_EXT of 97/98 (code points > 255),
        %% and a hand-made LIST_EXT of small integers only.
        {"auth_charlists", otp({'Auth', "tok-cl", "dev", [], "+380001122", [], resend,
                                [], [], [], [], "тест", ios}, M1)},
        {"auth_charlist_small_ints", hand({'Auth', "tok-si", [], [], "380001122", [],
                                           login, [], [], []}, 119)},
        %% Integers: 97, 98 (also negative), 110 (beyond i32).
        {"auth_integers", otp({'Auth', <<"tok-int">>, [], 70000, [], [], verify, [], 300,
                               [], [], [], [], 2147483648, -5}, M1)},
        {"auth_small_ints", otp({'Auth', <<"tok-s">>, [], 7, [], [], verify, [], 5, [],
                                 [], [], [], 255, 1}, M1)},
        %% <<>>, 0 and [] all mean absent.
        {"auth_absent_forms", otp({'Auth', <<>>, 0, [], <<>>, 0, list, <<>>, 0, [], 0,
                                   <<>>, [], 0, <<>>}, M1)},
        {"auth_compressed", compressed(setelement(12, Full,
                                       binary:copy(<<"compress me ">>, 40)))},
        %% Every Profile arity.
        {"profile_6_get", otp({'Profile', [], [], [], [], get}, M1)},
        {"profile_7_update", otp({'Profile', <<"380001122">>, [], [], [], 1700000000000,
                                  update}, M1)},
        {"profile_8_set", otp({'Profile', [], <<"opaque", 0, 255>>, <<"person-1">>,
                               [{'Roster', 1, <<"Ann">>, <<"Lee">>, 0, [], [], [],
                                 <<"+380001122">>, <<"http://a/1.png">>, 1700000000000, []},
                                {'Roster', [], <<"Новий"/utf8>>, [], 0, [], [], [], [], [],
                                 0, []},
                                {'Roster', 7, [], [], 0, [], [], [], [], [], 0, remove}],
                               1700000000000, online, set}, M2)},
        {"profile_8_ids_string_ext", otp({'Profile', [], [], [], [1, 2], [], [], get}, M1)},
        {"profile_8_ids_list", otp({'Profile', [], [], [], [1, 300, 5000000000], [], [],
                                    get}, M1)},
        {"profile_8_migrate", otp({'Profile', <<"+380009999">>, [], [], [], [], [],
                                   migrate}, M1)},
        {"profile_8_email_charlist", otp({'Profile', [], "a@b.c", [], [], [], [], email},
                                         M1)},
        {"profile_7_confirm_atoms_115", hand({'Profile', <<"380009999">>, <<"903182">>,
                                              [], [], [], confirm}, 115)},
        {"profile_compressed", compressed({'Profile', [], binary:copy(<<"data">>, 500),
                                           [], [], [], [], set})},
        %% Refused: unknown record, unknown type (token kept), wrong arity (token kept),
        %% wrong field type (token kept), unknown status.
        {"bad_unknown_record", otp({'Session', <<"tok">>, 1}, M1)},
        {"bad_auth_type", otp({'Auth', <<"tok-bad">>, [], [], [], [], fly, [], [], [], [],
                               []}, M1)},
        {"bad_auth_arity", otp({'Auth', <<"tok-9">>, [], [], [], [], reg, [], []}, M1)},
        {"bad_auth_float", otp({'Auth', <<"tok-f">>, [], [], [], [], verify, [], 1.5, [],
                                [], []}, M1)},
        {"bad_profile_status", otp({'Profile', [], [], [], [], [], [], destroy}, M1)}
    ],
    lists:foreach(
        fun({Name, Bin}) ->
            ok = file:write_file(filename:join(Dir, Name ++ ".bin"), Bin),
            io:format("~s.bin ~p bytes~n", [Name, byte_size(Bin)])
        end,
        Vectors).

otp(Term, Opts) -> term_to_binary(Term, Opts).

compressed(Term) ->
    Bin = term_to_binary(Term, [compressed, {minor_version, 1}]),
    <<131, 80, _/binary>> = Bin,
    Bin.

%% Hand-made encoding with the given atom tag; lists are always LIST_EXT.
hand(Term, AtomTag) ->
    Bin = <<131, (enc(Term, AtomTag))/binary>>,
    Term = binary_to_term(Bin),
    Bin.

enc(A, Tag) when is_atom(A) ->
    case Tag of
        100 -> L = atom_to_binary(A, latin1), <<100, (byte_size(L)):16, L/binary>>;
        115 -> L = atom_to_binary(A, latin1), <<115, (byte_size(L)), L/binary>>;
        118 -> U = atom_to_binary(A, utf8), <<118, (byte_size(U)):16, U/binary>>;
        119 -> U = atom_to_binary(A, utf8), <<119, (byte_size(U)), U/binary>>
    end;
enc(B, _) when is_binary(B) -> <<109, (byte_size(B)):32, B/binary>>;
enc(I, _) when is_integer(I), I >= 0, I =< 255 -> <<97, I>>;
enc(I, _) when is_integer(I), I >= -16#80000000, I =< 16#7fffffff -> <<98, I:32/signed>>;
enc(I, _) when is_integer(I) ->
    Mag = binary:encode_unsigned(abs(I), little),
    Sign = case I < 0 of true -> 1; false -> 0 end,
    <<110, (byte_size(Mag)), Sign, Mag/binary>>;
enc(T, Tag) when is_tuple(T) ->
    Es = tuple_to_list(T),
    <<104, (length(Es)), (<< <<(enc(E, Tag))/binary>> || E <- Es >>)/binary>>;
enc([], _) -> <<106>>;
enc(L, Tag) when is_list(L) ->
    <<108, (length(L)):32, (<< <<(enc(E, Tag))/binary>> || E <- L >>)/binary, 106>>.
