namespace Rotor.Cmp;
